//! The HTTP plumbing the console pages share: cookies, the anti-forgery token, form bodies,
//! and the headers every page carries.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// The console session's cookie.
pub(crate) const SESSION_COOKIE: &str = "warden-console";
/// The sign-in forms' anti-forgery cookie (double submit: the form carries the same value).
pub(crate) const SIGNIN_CSRF_COOKIE: &str = "warden-signin-csrf";

/// The value of cookie `name` in the request, if sent.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value: always `Secure` (browsers treat `http://localhost` and
/// `http://127.0.0.1` as secure, so it works on loopback too), `HttpOnly` and
/// `SameSite=Strict`; `max_age` `None` for a browser-session cookie, `Some(0)` to delete.
pub(crate) fn set_cookie(name: &str, value: &str, path: &str, max_age: Option<i64>) -> String {
    let mut text = format!("{name}={value}; Path={path}; Secure; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    text
}

/// A fresh random token (256 bits, URL-safe base64).
pub(crate) fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

/// Constant-time equality of two tokens; an empty token matches nothing.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The fields of an `application/x-www-form-urlencoded` body (the last of a repeated name).
pub(crate) fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// An HTML page with the headers every console page carries: not cached, not framed, no
/// scripts, forms only to this origin, no referrer.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(headers);
    response
}

pub(crate) fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// `303 See Other` to `location`, with cookies to set.
pub(crate) fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    add_cookies(headers, cookies);
    secure_headers(headers);
    response
}

pub(crate) fn add_cookies(headers: &mut HeaderMap, cookies: &[String]) {
    for c in cookies {
        if let Ok(value) = HeaderValue::from_str(c) {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

/// Whether `account` can name an account in a sign-in URL: 12 digits, or an alias (AWS's
/// pattern: lower-case letters, digits and single hyphens inside, 3 to 63 characters).
pub(crate) fn valid_account(account: &str) -> bool {
    let bytes = account.as_bytes();
    let digits = bytes.len() == 12 && bytes.iter().all(u8::is_ascii_digit);
    let alias = (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !account.starts_with('-')
        && !account.ends_with('-')
        && !account.contains("--");
    digits || alias
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; warden-console=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn tokens_compare_whole_and_never_empty() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", ""));
    }

    #[test]
    fn account_names_are_ids_or_aliases() {
        assert!(valid_account("123456789012"));
        assert!(valid_account("my-company"));
        assert!(!valid_account("ab"));
        assert!(!valid_account("My-Company"));
        assert!(!valid_account("a--b"));
        assert!(!valid_account("-ab"));
        assert!(!valid_account("<script>"));
        assert!(!valid_account(""));
    }

    #[test]
    fn session_cookies_carry_every_attribute() {
        let c = set_cookie(SESSION_COOKIE, "v", "/", Some(60));
        assert_eq!(
            c,
            "warden-console=v; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=60"
        );
    }
}
