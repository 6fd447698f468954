//! The console's pages (askama templates in `templates/`; every value is HTML-escaped).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::web::html;

#[derive(Template)]
#[template(path = "signin_start.html")]
pub(crate) struct SignInStart;

#[derive(Template)]
#[template(path = "signin.html")]
pub(crate) struct SignInPage<'a> {
    pub account: &'a str,
    pub csrf: &'a str,
    pub user_name: &'a str,
    pub root: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa.html")]
pub(crate) struct MfaPage<'a> {
    pub account: &'a str,
    pub csrf: &'a str,
    pub challenge: &'a str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "new_password.html")]
pub(crate) struct NewPasswordPage<'a> {
    pub account: &'a str,
    pub csrf: &'a str,
    pub challenge: &'a str,
    pub reason: &'a str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "console.html")]
pub(crate) struct ConsolePage<'a> {
    pub identity: &'a str,
    pub arn: &'a str,
    pub account: &'a str,
    pub alias: Option<&'a str>,
    pub mfa: bool,
    pub root: bool,
    pub devices: &'a [String],
    pub expires: String,
    pub csrf: &'a str,
    pub notice: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "root_mfa.html")]
pub(crate) struct RootMfaPage<'a> {
    pub csrf: &'a str,
    pub token: &'a str,
    pub seed: &'a str,
    pub qr_base64: &'a str,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub link: Option<&'a str>,
    pub link_text: &'a str,
}

/// Renders a page; a template that fails to render (it cannot, with these types) is a
/// plain-text 500, never a panic.
pub(crate) fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "a console page failed to render");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".to_owned(),
            )
        }
    }
}

/// A page that says what went wrong and where to go next.
pub(crate) fn message(status: StatusCode, title: &str, text: &str, link: Option<&str>) -> Response {
    page(
        status,
        &MessagePage {
            title,
            message: text,
            link,
            link_text: "Start again",
        },
    )
}
