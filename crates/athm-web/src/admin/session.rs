//! The admin's login: a signed session cookie and CSRF tokens derived from it.
//!
//! - session cookie: `{expiry}.{nonce}.{base64url(HMAC(key, "session:{expiry}.{nonce}"))}`
//! - CSRF token of a session: `base64url(HMAC(key, "csrf:{nonce}"))`
//! - CSRF token of the login form: `base64url(HMAC(key, "login:{nonce}"))`
//!   with the nonce in a short-lived `athm_login` cookie.
//!
//! Every comparison of a secret runs in constant time (HMAC verification).

use std::time::Instant;

use axum::Form;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use maud::html;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{AdminState, Ctx};
use crate::auth::ClientAddr;
use crate::config::Secret;
use crate::pages::{self, cookie};

/// The key of the login limit of all clients together.
pub(crate) const ALL_CLIENTS: &str = "*";

/// The name of the admin session cookie.
pub const SESSION_COOKIE: &str = "athm_admin";
const LOGIN_COOKIE: &str = "athm_login";

fn mac(key: &[u8], message: &str) -> Hmac<Sha256> {
    crate::mac::mac(key, message.as_bytes())
}

fn tag(key: &[u8], message: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(key, message).finalize().into_bytes())
}

/// Whether `presented` is the tag of `message` (constant time).
fn verify(key: &[u8], message: &str, presented: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(presented.trim())
        .is_ok_and(|bytes| mac(key, message).verify_slice(&bytes).is_ok())
}

/// The session key: HMAC(checkout secret, "admin:" + SHA-256(password)).
pub(crate) fn derive_key(secret: &Secret, password: &Secret) -> [u8; 32] {
    let password = hex(&Sha256::digest(password.expose().as_bytes()));
    mac(secret.expose().as_bytes(), &format!("admin:{password}"))
        .finalize()
        .into_bytes()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn nonce() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex(&bytes)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A logged-in admin.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The token every form of this session carries.
    pub csrf: String,
    nonce: String,
}

impl Session {
    /// Whether a form's token belongs to this session (constant time).
    pub(crate) fn accepts(&self, state: &AdminState, presented: &str) -> bool {
        verify(
            state.key.as_slice(),
            &format!("csrf:{}", self.nonce),
            presented,
        )
    }

    fn read(parts: &Parts, state: &AdminState) -> Option<Self> {
        let value = cookie(&parts.headers, SESSION_COOKIE)?;
        let mut fields = value.splitn(3, '.');
        let (expiry, nonce, presented) = (fields.next()?, fields.next()?, fields.next()?);
        let key = state.key.as_slice();
        if !verify(key, &format!("session:{expiry}.{nonce}"), presented) {
            return None;
        }
        if expiry.parse::<i64>().ok()? <= now_secs() {
            return None;
        }
        Some(Self {
            csrf: tag(key, &format!("csrf:{nonce}")),
            nonce: nonce.to_string(),
        })
    }
}

/// Where an anonymous visitor goes: the login page, then back.
pub(crate) struct LoginRedirect(pub String);

impl FromRequestParts<AdminState> for Session {
    type Rejection = LoginRedirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AdminState,
    ) -> Result<Self, Self::Rejection> {
        Self::read(parts, state).ok_or_else(|| {
            let uri = super::original_uri(parts);
            let here = uri
                .path_and_query()
                .map_or_else(|| state.url("/payments"), ToString::to_string);
            let lang = pages::query_param(uri.query(), "lang")
                .and_then(|l| pages::Lang::parse(&l))
                .map(|l| format!("&lang={}", l.code()))
                .unwrap_or_default();
            LoginRedirect(format!(
                "{}?next={}{lang}",
                state.url("/login"),
                pages::encode(&here)
            ))
        })
    }
}

impl OptionalFromRequestParts<AdminState> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AdminState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(Self::read(parts, state))
    }
}

fn cookie_attributes(state: &AdminState, max_age: i64) -> String {
    format!(
        "Path={}; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        state.base,
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// `next` when it is a page of the admin, else the payments page.
fn safe_next(state: &AdminState, next: Option<&str>) -> String {
    next.filter(|n| {
        n.starts_with(&format!("{}/", state.base))
            && !n.starts_with("//")
            && !n.contains(['\\', '\r', '\n'])
    })
    .map_or_else(|| state.url("/payments"), str::to_string)
}

fn login_form(
    ctx: &Ctx,
    state: &AdminState,
    login_nonce: &str,
    next: &str,
    error: Option<&str>,
) -> maud::Markup {
    let t = ctx.t();
    let csrf = tag(state.key.as_slice(), &format!("login:{login_nonce}"));
    html! {
        div class="login stack" {
            h1 { (t.login_title) }
            @if let Some(error) = error {
                p class="error" role="alert" id="login-error" { (error) }
            }
            form method="post" action=(state.url("/login")) class="stack" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                div class="field" {
                    label for="password" { (t.password) }
                    input id="password" name="password" type="password" autocomplete="current-password"
                        required autofocus aria-describedby=[error.map(|_| "login-error")];
                }
                button type="submit" { (t.log_in) }
            }
        }
    }
}

/// `GET /admin/login`.
pub(crate) async fn login_page(
    State(state): State<AdminState>,
    mut ctx: Ctx,
    session: Option<Session>,
    parts: Parts,
) -> Response {
    let next = safe_next(
        &state,
        pages::query_param(parts.uri.query(), "next").as_deref(),
    );
    if session.is_some() {
        return Redirect::to(&next).into_response();
    }
    let login_nonce = cookie(&parts.headers, LOGIN_COOKIE)
        .filter(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(nonce);
    ctx.set_cookies.push(format!(
        "{LOGIN_COOKIE}={login_nonce}; {}",
        cookie_attributes(&state, 3600)
    ));
    let body = login_form(&ctx, &state, &login_nonce, &next, None);
    ctx.page(StatusCode::OK, ctx.t().login_title, None, body)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/login`.
pub(crate) async fn login(
    State(state): State<AdminState>,
    mut ctx: Ctx,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = ctx.t();
    let next = safe_next(&state, Some(&form.next));
    let Some(login_nonce) = cookie(&parts.headers, LOGIN_COOKIE) else {
        return ctx.message(StatusCode::FORBIDDEN, None, t.csrf_failed);
    };
    if !verify(
        state.key.as_slice(),
        &format!("login:{login_nonce}"),
        &form.csrf,
    ) {
        return ctx.message(StatusCode::FORBIDDEN, None, t.csrf_failed);
    }
    // Per client (through the trusted proxy, as the API's limits), then a
    // ceiling for all clients together: one address cannot lock out others.
    let peer = ClientAddr::of(&parts, state.app.config()).0;
    let now = Instant::now();
    let throttled = state.logins.check(&peer, now).is_err()
        || state.all_logins.check(ALL_CLIENTS, now).is_err();
    if throttled {
        let body = login_form(&ctx, &state, &login_nonce, &next, Some(t.too_many_attempts));
        return ctx.page(StatusCode::TOO_MANY_REQUESTS, t.login_title, None, body);
    }
    // Compare digests so that neither length nor content leaks through timing.
    let given = Sha256::digest(form.password.as_bytes());
    let expected = Sha256::digest(state.config.password.expose().as_bytes());
    let right = given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    if !right {
        tracing::warn!(client = %peer, "admin login refused: wrong password");
        let body = login_form(&ctx, &state, &login_nonce, &next, Some(t.wrong_password));
        return ctx.page(StatusCode::UNAUTHORIZED, t.login_title, None, body);
    }
    let ttl = i64::try_from(state.config.session_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let expiry = now_secs().saturating_add(ttl);
    let session_nonce = nonce();
    let value = format!(
        "{expiry}.{session_nonce}.{}",
        tag(
            state.key.as_slice(),
            &format!("session:{expiry}.{session_nonce}")
        )
    );
    tracing::info!(client = %peer, "admin logged in");
    ctx.set_cookies.push(format!(
        "{SESSION_COOKIE}={value}; {}",
        cookie_attributes(&state, ttl)
    ));
    ctx.set_cookies
        .push(format!("{LOGIN_COOKIE}=; {}", cookie_attributes(&state, 0)));
    see_other(&next, &ctx.set_cookies)
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /admin/logout`.
pub(crate) async fn logout(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return ctx.message(StatusCode::FORBIDDEN, Some(&session), ctx.t().csrf_failed);
    }
    let clear = format!("{SESSION_COOKIE}=; {}", cookie_attributes(&state, 0));
    see_other(&state.url("/login"), &[clear])
}

/// A 303 to `to`, setting `cookies`.
pub(crate) fn see_other(to: &str, cookies: &[String]) -> Response {
    let mut response = Redirect::to(to).into_response();
    for value in cookies {
        if let Ok(value) = axum::http::HeaderValue::from_str(value) {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_verifies_only_its_message_under_its_key() {
        let key = [7u8; 32];
        let t = tag(&key, "csrf:abc");
        assert!(verify(&key, "csrf:abc", &t));
        assert!(!verify(&key, "csrf:abd", &t));
        assert!(!verify(&[8u8; 32], "csrf:abc", &t));
        assert!(!verify(&key, "csrf:abc", "not base64!"));
    }

    #[test]
    fn the_key_changes_with_the_password_and_the_secret() {
        let a = derive_key(&Secret::new("s"), &Secret::new("p"));
        assert_ne!(a, derive_key(&Secret::new("s"), &Secret::new("q")));
        assert_ne!(a, derive_key(&Secret::new("t"), &Secret::new("p")));
    }
}
