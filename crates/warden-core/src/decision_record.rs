//! The one place an authorization decision becomes final: [`Core::record_decision`]. The audit
//! trail and last-accessed data read decisions from here.

use time::OffsetDateTime;

use crate::Core;

/// Which path decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionSource {
    /// The authorization API (`POST /v1/authorize`, `/v1/authorize/batch`), for another
    /// service.
    AuthorizationApi,
}

/// One final decision.
#[derive(Debug, Clone)]
pub struct DecisionRecord<'a> {
    pub time: OffsetDateTime,
    pub source: DecisionSource,
    /// Who asked Warden (the service calling the authorization API).
    pub asked_by: &'a str,
    /// The principal decided about (`*` when the signed request was anonymous); `None` when it
    /// could not be authenticated.
    pub principal_arn: Option<&'a str>,
    pub principal_account: Option<&'a str>,
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_account: Option<&'a str>,
    /// `allowed`, `explicitDeny`, `implicitDeny`, or the error code when no decision could be
    /// made (an unauthenticated request, a malformed resource policy).
    pub outcome: &'a str,
    /// The policy type that decided (`identity`, `resource`, …).
    pub decided_by: Option<&'a str>,
}

impl Core {
    /// Records a final decision. Every decision of the authorization API passes here exactly
    /// once, allowed or not; for now it only traces.
    pub fn record_decision(&self, record: &DecisionRecord<'_>) {
        tracing::debug!(
            target: "warden::decision",
            source = ?record.source,
            asked_by = record.asked_by,
            principal = record.principal_arn,
            action = record.action,
            resource = record.resource,
            outcome = record.outcome,
            decided_by = record.decided_by,
            "decision"
        );
    }
}
