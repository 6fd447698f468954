//! The console: the sign-in pages (`/signin/ACCOUNT`, with the MFA and change-password steps),
//! their JSON twin (`/signin/ACCOUNT/api`), the console home (`/console`) with sign-out, and
//! the root user's MFA enrolment (`/console/mfa`). Every decision is warden-core's
//! (`Core::sign_in` and friends); this module is forms, cookies and pages.
//!
//! Forgery: every cookie is `SameSite=Strict`, and every form also carries a token — before
//! sign-in the double-submitted `warden-signin-csrf` cookie's value, after it the session's own
//! token. The JSON endpoint takes only `application/json`, which a cross-site form cannot send.

mod api;
mod pages;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use warden_core::Core;
use warden_core::signin::{
    ChangeReason, ConsoleIdentity, EnrolmentError, Refusal, SignInOutcome, SignInRequest, Who,
};

use crate::Backend;
use pages::{ConsolePage, MfaPage, NewPasswordPage, RootMfaPage, SignInPage, SignInStart};
use web::{SESSION_COOKIE, SIGNIN_CSRF_COOKIE};

pub(crate) fn routes() -> Router<Backend> {
    Router::new()
        .route("/signin", get(start))
        .route("/signin/go", get(go))
        .route("/signin/{account}", get(sign_in_form).post(sign_in_submit))
        .route("/signin/{account}/mfa", post(mfa_submit))
        .route("/signin/{account}/password", post(new_password_submit))
        .route("/signin/{account}/api", post(api::endpoint))
        .route("/console", get(home))
        .route("/console/signout", post(sign_out))
        .route("/console/mfa", get(root_mfa_form).post(root_mfa_submit))
}

/// The service the console signs in to: the one `Core`, or dev mode's `aws` world.
pub(crate) async fn console_core(backend: &Backend) -> Option<Arc<Core>> {
    match backend {
        Backend::Single(core) => Some(Arc::clone(core)),
        Backend::Dev(worlds) => worlds.world("aws").await.ok(),
    }
}

pub(crate) fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

fn unavailable() -> Response {
    pages::message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Unavailable",
        "Sign-in is unavailable at the moment. Please try again later.",
        None,
    )
}

fn no_such_page() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "No such sign-in page",
        "A sign-in address ends with a 12-digit account ID or an account alias.",
        Some("/signin"),
    )
}

fn stale_form(account: &str) -> Response {
    pages::message(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form has expired or did not come from this site. Please sign in again.",
        Some(&format!("/signin/{account}")),
    )
}

async fn start() -> Response {
    pages::page(StatusCode::OK, &SignInStart)
}

/// The start page's form: on to the account's sign-in page.
async fn go(uri: Uri) -> Response {
    let query = uri.query().unwrap_or("");
    let account = web::form(query.as_bytes())
        .remove("account")
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    if !web::valid_account(&account) {
        return no_such_page();
    }
    web::redirect(&format!("/signin/{account}"), &[])
}

/// The anti-forgery token of the sign-in forms, and the cookie to set when it is new.
fn signin_csrf(headers: &HeaderMap) -> Option<(String, Option<String>)> {
    if let Some(existing) = web::cookie(headers, SIGNIN_CSRF_COOKIE).filter(|v| v.len() >= 32) {
        return Some((existing.to_owned(), None));
    }
    let fresh = web::random_token()?;
    let cookie = web::set_cookie(SIGNIN_CSRF_COOKIE, &fresh, "/signin", None);
    Some((fresh, Some(cookie)))
}

async fn sign_in_form(Path(account): Path<String>, headers: HeaderMap) -> Response {
    if !web::valid_account(&account) {
        return no_such_page();
    }
    let Some((csrf, new_cookie)) = signin_csrf(&headers) else {
        return unavailable();
    };
    let mut response = pages::page(
        StatusCode::OK,
        &SignInPage {
            account: &account,
            csrf: &csrf,
            user_name: "",
            root: false,
            error: None,
        },
    );
    web::add_cookies(response.headers_mut(), new_cookie.as_slice());
    response
}

/// A sign-in form's fields, once its anti-forgery token checked out.
/// What every sign-in step's form post starts with: a real account path, a form with a valid
/// anti-forgery token, and the service; otherwise the page to answer instead.
async fn sign_in_step(
    backend: &Backend,
    account: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(std::collections::HashMap<String, String>, String, Arc<Core>), Response> {
    if !web::valid_account(account) {
        return Err(no_such_page());
    }
    let Some((fields, csrf)) = checked_form(headers, body) else {
        return Err(stale_form(account));
    };
    let Some(core) = console_core(backend).await else {
        return Err(unavailable());
    };
    Ok((fields, csrf, core))
}

fn checked_form(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Option<(std::collections::HashMap<String, String>, String)> {
    let body = body.ok()?;
    let fields = web::form(&body);
    let cookie = web::cookie(headers, SIGNIN_CSRF_COOKIE)?;
    let sent = fields.get("csrf")?;
    web::same_token(cookie, sent).then(|| (fields, cookie.to_owned()))
}

fn status_of(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::Incorrect => StatusCode::UNAUTHORIZED,
        Refusal::TooSoon { .. } | Refusal::LockedOut { .. } => StatusCode::TOO_MANY_REQUESTS,
        Refusal::PasswordExpired => StatusCode::FORBIDDEN,
        Refusal::ChallengeInvalid | Refusal::PasswordRejected(_) => StatusCode::BAD_REQUEST,
        Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Seconds the client should wait, for a `Retry-After` header.
fn retry_after(refusal: &Refusal, now: OffsetDateTime) -> Option<i64> {
    match refusal {
        Refusal::TooSoon { retry_after } => Some(retry_after.whole_seconds().max(1)),
        Refusal::LockedOut { until } => Some((*until - now).whole_seconds().max(1)),
        _ => None,
    }
}

fn with_retry_after(mut response: Response, refusal: &Refusal, now: OffsetDateTime) -> Response {
    if let Some(seconds) = retry_after(refusal, now)
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub(crate) fn reason_text(reason: ChangeReason) -> &'static str {
    match reason {
        ChangeReason::ResetRequired => {
            "An administrator requires you to change your password before you continue."
        }
        ChangeReason::Expired => "Your password has expired. Choose a new one to continue.",
    }
}

/// The session cookie of a successful sign-in.
pub(crate) fn session_cookie(signed_in: &warden_core::signin::SignedIn) -> String {
    let age = (signed_in.session.expires - signed_in.session.issued).whole_seconds();
    web::set_cookie(SESSION_COOKIE, &signed_in.cookie, "/", Some(age))
}

/// Where a step that did not end in a refusal leads: the console, or the next step's page.
fn next_step(account: &str, csrf: &str, outcome: SignInOutcome) -> Result<Response, Refusal> {
    match outcome {
        SignInOutcome::SignedIn(signed_in) => {
            Ok(web::redirect("/console", &[session_cookie(&signed_in)]))
        }
        SignInOutcome::MfaRequired { challenge } => Ok(pages::page(
            StatusCode::OK,
            &MfaPage {
                account,
                csrf,
                challenge: &challenge,
                error: None,
            },
        )),
        SignInOutcome::PasswordChangeRequired { challenge, reason } => Ok(pages::page(
            StatusCode::OK,
            &NewPasswordPage {
                account,
                csrf,
                challenge: &challenge,
                reason: reason_text(reason),
                error: None,
            },
        )),
        SignInOutcome::Refused(refusal) => Err(refusal),
    }
}

async fn sign_in_submit(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (fields, csrf, core) = match sign_in_step(&backend, &account, &headers, body).await {
        Ok(step) => step,
        Err(page) => return page,
    };
    let root = fields.get("kind").is_some_and(|k| k == "root");
    let user_name = fields.get("user_name").map_or("", |s| s.trim());
    let form_again = |status: StatusCode, error: String| {
        pages::page(
            status,
            &SignInPage {
                account: &account,
                csrf: &csrf,
                user_name,
                root,
                error: Some(error),
            },
        )
    };
    if !root && user_name.is_empty() {
        return form_again(
            StatusCode::BAD_REQUEST,
            "Enter your IAM user name, or choose Root user.".to_owned(),
        );
    }
    let now = OffsetDateTime::now_utc();
    let outcome = core
        .sign_in(SignInRequest {
            account: &account,
            who: if root {
                Who::Root
            } else {
                Who::User(user_name)
            },
            password: fields.get("password").cloned().unwrap_or_default(),
            mfa_code: None,
            source_ip: Some(peer.ip()),
            user_agent: user_agent(&headers),
            now,
        })
        .await;
    match next_step(&account, &csrf, outcome) {
        Ok(response) => response,
        Err(refusal) => with_retry_after(
            form_again(status_of(&refusal), refusal.message()),
            &refusal,
            now,
        ),
    }
}

async fn mfa_submit(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (fields, csrf, core) = match sign_in_step(&backend, &account, &headers, body).await {
        Ok(step) => step,
        Err(page) => return page,
    };
    let challenge = fields.get("challenge").map_or("", String::as_str);
    let code = fields.get("code").map_or("", String::as_str);
    let now = OffsetDateTime::now_utc();
    let outcome = core
        .sign_in_mfa(challenge, code, Some(peer.ip()), user_agent(&headers), now)
        .await;
    match next_step(&account, &csrf, outcome) {
        Ok(response) => response,
        Err(Refusal::ChallengeInvalid) => pages::message(
            StatusCode::BAD_REQUEST,
            "Sign in again",
            &Refusal::ChallengeInvalid.message(),
            Some(&format!("/signin/{account}")),
        ),
        Err(refusal) => with_retry_after(
            pages::page(
                status_of(&refusal),
                &MfaPage {
                    account: &account,
                    csrf: &csrf,
                    challenge,
                    error: Some(refusal.message()),
                },
            ),
            &refusal,
            now,
        ),
    }
}

async fn new_password_submit(
    State(backend): State<Backend>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (fields, csrf, core) = match sign_in_step(&backend, &account, &headers, body).await {
        Ok(step) => step,
        Err(page) => return page,
    };
    let challenge = fields.get("challenge").map_or("", String::as_str);
    let new_password = fields.get("new_password").cloned().unwrap_or_default();
    let confirm = fields.get("confirm_password").map_or("", String::as_str);
    let page_again = |status: StatusCode, error: String| {
        pages::page(
            status,
            &NewPasswordPage {
                account: &account,
                csrf: &csrf,
                challenge,
                reason: "Choose a new password to continue.",
                error: Some(error),
            },
        )
    };
    if new_password != confirm {
        return page_again(
            StatusCode::BAD_REQUEST,
            "The new passwords do not match.".to_owned(),
        );
    }
    let now = OffsetDateTime::now_utc();
    let outcome = core
        .sign_in_new_password(
            challenge,
            new_password,
            Some(peer.ip()),
            user_agent(&headers),
            now,
        )
        .await;
    match next_step(&account, &csrf, outcome) {
        Ok(response) => response,
        Err(Refusal::ChallengeInvalid) => pages::message(
            StatusCode::BAD_REQUEST,
            "Sign in again",
            &Refusal::ChallengeInvalid.message(),
            Some(&format!("/signin/{account}")),
        ),
        Err(refusal) => with_retry_after(
            page_again(status_of(&refusal), refusal.message()),
            &refusal,
            now,
        ),
    }
}

/// The signed-in identity of a request, if its session cookie is good.
async fn identity(backend: &Backend, headers: &HeaderMap) -> Option<(Arc<Core>, ConsoleIdentity)> {
    let cookie = web::cookie(headers, SESSION_COOKIE)?;
    let core = console_core(backend).await?;
    let identity = core.console_session(cookie, OffsetDateTime::now_utc())?;
    Some((core, identity))
}

fn signed_out() -> Response {
    web::redirect("/signin", &[])
}

async fn home(State(backend): State<Backend>, headers: HeaderMap, uri: Uri) -> Response {
    let Some((_, who)) = identity(&backend, &headers).await else {
        return signed_out();
    };
    let notice = uri
        .query()
        .is_some_and(|q| q == "mfa=enabled")
        .then_some("An MFA device is now assigned to the root user.");
    let name = who
        .user_name
        .clone()
        .unwrap_or_else(|| "root user".to_owned());
    pages::page(
        StatusCode::OK,
        &ConsolePage {
            identity: &name,
            arn: &who.arn,
            account: &who.session.account_id,
            alias: who.account_alias.as_deref(),
            mfa: who.session.mfa,
            root: who.session.user_id.is_none(),
            devices: &who.mfa_devices,
            expires: who
                .session
                .expires
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            csrf: &who.session.csrf,
            notice,
        },
    )
}

/// The fields of a console form, once the session's anti-forgery token checked out.
fn session_form(
    who: &ConsoleIdentity,
    body: Result<Bytes, BytesRejection>,
) -> Option<std::collections::HashMap<String, String>> {
    let fields = web::form(&body.ok()?);
    let sent = fields.get("csrf")?;
    web::same_token(&who.session.csrf, sent).then_some(fields)
}

async fn sign_out(
    State(backend): State<Backend>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let gone = web::set_cookie(SESSION_COOKIE, "", "/", Some(0));
    let Some((_, who)) = identity(&backend, &headers).await else {
        return web::redirect("/signin", &[gone]);
    };
    if session_form(&who, body).is_none() {
        return pages::message(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form has expired or did not come from this site.",
            Some("/console"),
        );
    }
    let account = who
        .account_alias
        .clone()
        .unwrap_or_else(|| who.session.account_id.clone());
    web::redirect(&format!("/signin/{account}"), &[gone])
}

fn enrolment_problem(e: EnrolmentError) -> Response {
    let status = match e {
        EnrolmentError::NotRoot => StatusCode::FORBIDDEN,
        EnrolmentError::AlreadyEnabled => StatusCode::CONFLICT,
        EnrolmentError::InvalidCodes | EnrolmentError::Expired => StatusCode::BAD_REQUEST,
        EnrolmentError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    pages::message(status, "MFA", &e.to_string(), Some("/console"))
}

fn root_mfa_page(
    status: StatusCode,
    who: &ConsoleIdentity,
    enrolment: &warden_core::signin::RootMfaEnrolment,
    error: Option<String>,
) -> Response {
    pages::page(
        status,
        &RootMfaPage {
            csrf: &who.session.csrf,
            token: &enrolment.token,
            seed: &enrolment.base32_seed,
            qr_base64: &STANDARD.encode(&enrolment.qr_png),
            error,
        },
    )
}

async fn root_mfa_form(State(backend): State<Backend>, headers: HeaderMap) -> Response {
    let Some((core, who)) = identity(&backend, &headers).await else {
        return signed_out();
    };
    match core.begin_root_mfa_enrolment(&who.session, OffsetDateTime::now_utc()) {
        Ok(enrolment) => root_mfa_page(StatusCode::OK, &who, &enrolment, None),
        Err(e) => enrolment_problem(e),
    }
}

async fn root_mfa_submit(
    State(backend): State<Backend>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some((core, who)) = identity(&backend, &headers).await else {
        return signed_out();
    };
    let Some(fields) = session_form(&who, body) else {
        return pages::message(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form has expired or did not come from this site.",
            Some("/console"),
        );
    };
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    let now = OffsetDateTime::now_utc();
    let token = field("enrolment");
    match core
        .enable_root_mfa(&who.session, token, field("code1"), field("code2"), now)
        .await
    {
        Ok(_) => web::redirect("/console?mfa=enabled", &[]),
        Err(EnrolmentError::InvalidCodes) => {
            match core.resume_root_mfa_enrolment(&who.session, token, now) {
                Ok(enrolment) => root_mfa_page(
                    StatusCode::BAD_REQUEST,
                    &who,
                    &enrolment,
                    Some(EnrolmentError::InvalidCodes.to_string()),
                ),
                Err(e) => enrolment_problem(e),
            }
        }
        Err(e) => enrolment_problem(e),
    }
}
