//! STS operations. Only `GetCallerIdentity` exists so far; it needs no permission, as in AWS.

use warden_protocol::ServiceError;
use warden_protocol::sts::{self, Handler, Request};

use crate::{Core, RequestCx};

impl Handler for Core {
    type Context = RequestCx;

    async fn get_caller_identity(
        &self,
        cx: &RequestCx,
        _input: sts::GetCallerIdentityRequest,
    ) -> Result<sts::GetCallerIdentityResponse, ServiceError> {
        let caller = &cx.caller;
        Ok(sts::GetCallerIdentityResponse {
            // The root user's id is its account id.
            user_id: Some(
                caller
                    .user_id
                    .clone()
                    .unwrap_or_else(|| caller.account_id.clone()),
            ),
            account: Some(caller.account_id.clone()),
            arn: Some(caller.arn.clone()),
        })
    }
}

impl Core {
    /// Answers one STS request. `GetCallerIdentity` is allowed to every authenticated caller
    /// (AWS documents that no permission is needed); every other STS operation answers
    /// `NotImplemented` until STS arrives, so none runs without a decision.
    pub async fn handle_sts(
        &self,
        cx: &RequestCx,
        request: Request,
    ) -> Result<sts::Response, ServiceError> {
        match request {
            Request::GetCallerIdentity(_) => sts::dispatch(self, cx, request).await,
            other => Err(ServiceError::not_implemented(other.operation().name())),
        }
    }
}
