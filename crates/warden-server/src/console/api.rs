//! `POST /signin/ACCOUNT/api`: the sign-in steps as JSON, for scripts and tests.
//!
//! In: `{"user_name": "alice", "password": "…", "mfa_code": "123456"}` (`"root": true` instead
//! of `user_name` for the root user; `mfa_code` optional), or `{"challenge": "…", "mfa_code":
//! "…"}` for the MFA step, or `{"challenge": "…", "new_password": "…"}` for the change step.
//! Out: `{"outcome": …}` with `challenge` (and `reason`) for a next step, `message` (and
//! `retry_after_seconds`) for a refusal, `arn` and `expires` with the session cookie set for a
//! success. Only `application/json` is accepted, so a cross-site form cannot post here.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use warden_core::signin::{ChangeReason, SignInOutcome, SignInRequest, Who};

use super::{console_core, retry_after, session_cookie, status_of, user_agent, web};
use crate::Backend;

fn answer(status: StatusCode, body: &Value, cookies: &[String]) -> Response {
    let mut response = (status, Body::from(body.to_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    web::add_cookies(headers, cookies);
    response
}

fn bad_request(status: StatusCode, message: &str) -> Response {
    answer(
        status,
        &json!({"outcome": "bad_request", "message": message}),
        &[],
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// A string member, if present; `Err` when present but not a string.
fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` must be a string")),
    }
}

pub(super) async fn endpoint(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !web::valid_account(&account) {
        return bad_request(
            StatusCode::NOT_FOUND,
            "the account must be a 12-digit account ID or an account alias",
        );
    }
    if !is_json(&headers) {
        return bad_request(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request must be `application/json`",
        );
    }
    let Ok(body) = body else {
        return bad_request(
            StatusCode::BAD_REQUEST,
            "the request body could not be read",
        );
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let Some(core) = console_core(&backend).await else {
        return bad_request(StatusCode::SERVICE_UNAVAILABLE, "sign-in is unavailable");
    };
    let now = OffsetDateTime::now_utc();
    let source_ip = Some(peer.ip());
    let read = |name: &str| text(&fields, name);
    let (challenge, code, new_password, user_name, password) = match (
        read("challenge"),
        read("mfa_code"),
        read("new_password"),
        read("user_name"),
        read("password"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
        (Err(m), ..) | (_, Err(m), ..) | (_, _, Err(m), ..) | (.., Err(m), _) | (.., Err(m)) => {
            return bad_request(StatusCode::BAD_REQUEST, &m);
        }
    };
    let root = match fields.get("root") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return bad_request(StatusCode::BAD_REQUEST, "`root` must be a boolean"),
    };
    let outcome = match (challenge, new_password) {
        (Some(challenge), Some(new_password)) => {
            core.sign_in_new_password(
                challenge,
                new_password.to_owned(),
                source_ip,
                user_agent(&headers),
                now,
            )
            .await
        }
        (Some(challenge), None) => {
            let Some(code) = code else {
                return bad_request(
                    StatusCode::BAD_REQUEST,
                    "a `challenge` goes with `mfa_code` or `new_password`",
                );
            };
            core.sign_in_mfa(challenge, code, source_ip, user_agent(&headers), now)
                .await
        }
        (None, _) => {
            let Some(password) = password else {
                return bad_request(StatusCode::BAD_REQUEST, "`password` is required");
            };
            let who = match (root, user_name) {
                (true, None) => Who::Root,
                (false, Some(name)) if !name.trim().is_empty() => Who::User(name.trim()),
                _ => {
                    return bad_request(
                        StatusCode::BAD_REQUEST,
                        "give either `user_name` or `\"root\": true`",
                    );
                }
            };
            core.sign_in(SignInRequest {
                account: &account,
                who,
                password: password.to_owned(),
                mfa_code: code.map(str::to_owned),
                source_ip,
                user_agent: user_agent(&headers),
                now,
            })
            .await
        }
    };
    let code = outcome.code();
    match outcome {
        SignInOutcome::SignedIn(signed_in) => {
            let arn = core
                .console_session(&signed_in.cookie, now)
                .map(|who| who.arn)
                .unwrap_or_default();
            let expires = signed_in
                .session
                .expires
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            answer(
                StatusCode::OK,
                &json!({"outcome": code, "account_id": signed_in.session.account_id,
                        "arn": arn, "mfa": signed_in.session.mfa, "expires": expires}),
                &[session_cookie(&signed_in)],
            )
        }
        SignInOutcome::MfaRequired { challenge } => answer(
            StatusCode::OK,
            &json!({"outcome": code, "challenge": challenge}),
            &[],
        ),
        SignInOutcome::PasswordChangeRequired { challenge, reason } => answer(
            StatusCode::OK,
            &json!({"outcome": code, "challenge": challenge, "reason": match reason {
                ChangeReason::ResetRequired => "reset_required",
                ChangeReason::Expired => "expired",
            }}),
            &[],
        ),
        SignInOutcome::Refused(refusal) => {
            let mut body = json!({"outcome": code, "message": refusal.message()});
            if let Some(seconds) = retry_after(&refusal, now) {
                body["retry_after_seconds"] = json!(seconds);
            }
            let mut response = answer(status_of(&refusal), &body, &[]);
            if let Some(seconds) = retry_after(&refusal, now)
                && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}
