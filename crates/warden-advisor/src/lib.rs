//! Policy advice built on the policy engine (`warden-policy`) and the service authorization
//! reference (`warden-catalog`): the offline tools behind `warden policy lint|summarize|expand|
//! generate`.
//!
//! - [`lint()`]: findings like IAM Access Analyzer's policy validation, each with a stable code.
//! - [`summarize()`]: per service, the access levels a policy grants (full, limited, none), as the
//!   IAM console's policy summary shows them.
//! - [`expand()`]: the actions an action pattern matches, with their access levels.
//! - [`generate()`]: a least-privilege identity policy for a service, access levels and ARNs.
//!
//! Everything here is a pure function of its arguments and the built-in data.

mod expand;
mod generate;
mod glob;
pub mod lint;
mod summarize;

pub use expand::{ExpandedAction, expand};
pub use generate::{GenerateError, generate};
pub use lint::{Finding, FindingType, lint};
pub use summarize::{Access, LevelSummary, ServiceSummary, Summary, summarize};

pub use warden_catalog::AccessLevel;

/// Why an advice function could not run at all (as opposed to findings about a policy).
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdvisorError {
    /// The built-in service reference is unusable: a broken build, not a user error.
    #[error(transparent)]
    Catalog(#[from] warden_catalog::CatalogError),
    /// The policy text is not a policy document.
    #[error("{0} ({aws})", aws = .0.aws_message())]
    Parse(#[from] warden_policy::ParseError),
}
