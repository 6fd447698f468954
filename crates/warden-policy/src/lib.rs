//! The AWS IAM policy language.
//!
//! Parse a JSON policy into a [`PolicyDocument`], check it against the rules of its kind with
//! [`validate`], compile it once into a [`CompiledPolicy`] (grouped by policy type into a
//! [`PolicySet`]), and decide requests with [`evaluate()`], which returns a [`Decision`] with its
//! reasons.
//!
//! This crate does no I/O and never reads the clock: time arrives in the request context
//! (`aws:CurrentTime`, `aws:EpochTime`). Every function returns errors as values; none panics.

pub mod arn;
pub mod compile;
mod condition;
pub mod context;
pub mod document;
pub mod evaluate;
pub mod json;
pub mod operator;
pub mod pattern;
pub mod position;
pub mod principal;
pub mod validate;
pub mod values;

pub use compile::{CompiledPolicy, PolicySet};
pub use context::RequestContext;
pub use document::{Effect, ParseError, PolicyDocument};
pub use evaluate::{Decision, MatchedStatement, Outcome, Policies, PolicyType, evaluate};
pub use principal::{Principal, PrincipalKind};
