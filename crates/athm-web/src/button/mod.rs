//! The payment button: `GET {prefix}/button.js`, a dependency-free script,
//! and the HTML snippet that places a button on a page.
//!
//! ```
//! use athm_domain::{Amount, Total};
//! use athm_web::button::{Theme, snippet};
//! use athm_web::{Checkout, WebConfig, sign_checkout};
//!
//! let config = WebConfig::new("a long random secret");
//! let checkout = Checkout {
//!     success_url: Some("/thanks".into()),
//!     failure_url: Some("/cart".into()),
//!     ..Checkout::new(Total::new("25.00".parse().unwrap()).unwrap())
//! };
//! let token = sign_checkout(&config, &checkout);
//! let html = snippet("/athm", &token, Theme::Btn, "es");
//! assert!(html.contains(r#"data-athm-theme="btn""#));
//! assert!(html.contains(r#"<script src="/athm/button.js" defer></script>"#));
//! ```
//!
//! The script turns each element with a `data-athm-checkout` attribute into a
//! button. A click opens a modal dialog that asks for the customer's phone,
//! starts the payment (`POST {prefix}/api/initiate`), shows a countdown to the
//! payment's expiry while it polls `GET {prefix}/api/status`, authorizes once
//! the customer approved (`POST {prefix}/api/authorize`) and sends the browser
//! to the checkout's success URL with `reference_number` and `ecommerce_id`.
//! A decline, an expiry, a cancellation or an error gets a message in the
//! button's language and a way on to the failure URL (with `ecommerce_id` and
//! `status` = `declined`, `expired`, `cancelled` or `error`).

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::pages;
use crate::state::AppState;

/// The script's source; served at `{prefix}/button.js` with its styles
/// ([`CSS`]) filled in.
pub const SCRIPT: &str = include_str!("../../assets/button.js");

/// The button's styles: the script injects them into the page, unless the
/// page links them itself (athm's own pages do, with `athm.css`: their
/// Content-Security-Policy allows no injected style).
pub const CSS: &str = include_str!("../../assets/button.css");

/// [`SCRIPT`] as served: its `var CSS = '';` holds [`CSS`].
static SERVED: LazyLock<String> = LazyLock::new(|| {
    SCRIPT.replacen(
        "var CSS = '';",
        &format!("var CSS = {};", serde_json::Value::from(CSS)),
        1,
    )
});

/// The look of a button; each passes WCAG AA contrast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// ATH Móvil orange with white text (`btn`).
    #[default]
    Btn,
    /// Black with white text (`btn-dark`).
    Dark,
    /// White with orange text and border (`btn-light`).
    Light,
}

impl Theme {
    /// Every theme.
    pub const ALL: [Theme; 3] = [Self::Btn, Self::Dark, Self::Light];

    /// The value of `data-athm-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Btn => "btn",
            Self::Dark => "btn-dark",
            Self::Light => "btn-light",
        }
    }
}

/// The HTML that places one button: the element and the script tag (the
/// script loads once however many buttons a page has). `lang` is `es` or `en`.
pub fn snippet(prefix: &str, checkout_token: &str, theme: Theme, lang: &str) -> String {
    let lang = if lang == "en" { "en" } else { "es" };
    maud::html! {
        div data-athm-checkout=(checkout_token) data-athm-theme=(theme.as_str()) data-athm-lang=(lang) {}
        script src=(format!("{}/button.js", prefix.trim_end_matches('/'))) defer {}
    }
    .into_string()
}

/// `GET /button.js`.
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (
                header::HeaderName::from_static("x-content-type-options"),
                "nosniff",
            ),
        ],
        SERVED.as_str(),
    )
        .into_response()
}

/// `GET /button.css`: the button's styles alone, for a merchant's page
/// whose Content-Security-Policy refuses the ones the script would inject.
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

/// `GET /button.js`, `GET /button.css` and `GET /athm.css`, relative to the prefix.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/button.js", get(script))
        .route("/button.css", get(stylesheet))
        .route("/athm.css", get(pages::stylesheet))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_served_script_carries_the_styles() {
        assert!(
            SCRIPT.contains("var CSS = '';"),
            "the placeholder the server fills"
        );
        assert!(!SERVED.contains("var CSS = '';"));
        assert!(SERVED.contains(".athm-pay{"));
    }

    use super::*;

    #[test]
    fn the_snippet_escapes_the_token_and_defaults_to_spanish() {
        let html = snippet("/athm/", "a\"b<c", Theme::Light, "fr");
        assert!(html.contains(r#"data-athm-checkout="a&quot;b&lt;c""#));
        assert!(html.contains(r#"data-athm-theme="btn-light""#));
        assert!(html.contains(r#"data-athm-lang="es""#));
        assert!(html.contains(r#"src="/athm/button.js""#));
    }

    #[test]
    fn the_script_reads_nothing_of_the_amount_from_the_page() {
        assert!(!SCRIPT.contains("data-athm-total"));
        assert!(SCRIPT.contains("credentials: 'omit'"));
    }
}
