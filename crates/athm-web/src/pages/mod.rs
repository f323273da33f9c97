//! What the server-rendered pages share: the language, the texts, the
//! layout, the stylesheet, cookies and the HTML layers.

mod texts;

use std::time::Duration;

use athm_domain::{Amount, Language, PaymentStatus, RefundStatus};
use axum::Router;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub(crate) use texts::{Texts, fill};

/// The stylesheet of the admin pages and the demo shop.
pub(crate) const CSS: &str = concat!(
    include_str!("../../assets/athm.css"),
    include_str!("../../assets/button.css")
);

/// The cookie that remembers the chosen language.
const LANG_COOKIE: &str = "athm_lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Spanish (the default: most of ATH Móvil's customers read it first).
    Es,
    /// English.
    En,
}

impl Lang {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    /// The language of a tag such as `es`, `en-US` or `es-PR`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Language::from_tag(text).map(Self::from)
    }

    /// The domain's name for this language (ATH Móvil's error texts are kept there).
    pub(crate) fn language(self) -> Language {
        match self {
            Self::Es => Language::Es,
            Self::En => Language::En,
        }
    }

    /// The language `Accept-Language` prefers of the two, by quality
    /// (`q=0` refuses a language; equal qualities keep the header's order);
    /// `None` when the header is absent or names neither. Each page or API
    /// picks its own default.
    pub(crate) fn accepted(headers: &HeaderMap) -> Option<Self> {
        let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
        accept_language::parse_with_quality(header)
            .into_iter()
            .filter(|(_, quality)| *quality > 0.0)
            .find_map(|(tag, _)| Self::parse(&tag))
    }

    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Self::Es => &texts::ES,
            Self::En => &texts::EN,
        }
    }

    /// The other language, for the switch link.
    pub(crate) fn other(self) -> Self {
        match self {
            Self::Es => Self::En,
            Self::En => Self::Es,
        }
    }

    /// `?lang=` first, then the cookie, then `Accept-Language`, then Spanish.
    /// The second value is true when `?lang=` chose it (remember it in a cookie).
    pub(crate) fn of_request(parts: &Parts) -> (Self, bool) {
        if let Some(lang) = query_param(parts.uri.query(), "lang").and_then(|v| Self::parse(&v)) {
            return (lang, true);
        }
        if let Some(lang) = cookie(&parts.headers, LANG_COOKIE).and_then(|v| Self::parse(&v)) {
            return (lang, false);
        }
        (Self::accepted(&parts.headers).unwrap_or(Self::Es), false)
    }

    /// The `Set-Cookie` value that remembers this language under `path`.
    pub(crate) fn cookie(self, path: &str) -> String {
        format!(
            "{LANG_COOKIE}={}; Path={}; Max-Age=31536000; SameSite=Lax",
            self.code(),
            if path.is_empty() { "/" } else { path }
        )
    }
}

impl From<Language> for Lang {
    fn from(language: Language) -> Self {
        match language {
            Language::Es => Self::Es,
            Language::En => Self::En,
        }
    }
}

/// One parameter of a query string, percent-decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One cookie of the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
}

/// Percent-encodes `text` for a query string.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) use athm_domain::puerto_rico;

/// An instant as Puerto Rico reads it, in a `<time>` element.
pub(crate) fn when(at: DateTime<Utc>) -> Markup {
    let local = at.with_timezone(&puerto_rico());
    html! {
        time datetime=(at.to_rfc3339()) { (local.format("%Y-%m-%d %H:%M:%S")) " AST" }
    }
}

/// An amount in dollars: `$25.00`.
pub(crate) fn money(amount: Amount) -> String {
    format!("${amount}")
}

/// A status as a badge, its name translated.
pub(crate) fn payment_badge(t: &Texts, status: PaymentStatus) -> Markup {
    let class = match status {
        PaymentStatus::Completed => "badge ok",
        PaymentStatus::Cancel | PaymentStatus::Expired => "badge bad",
        PaymentStatus::Open | PaymentStatus::Confirm => "badge wait",
    };
    html! { span class=(class) { (t.payment_status(status)) } }
}

/// A refund status as a badge.
pub(crate) fn refund_badge(t: &Texts, status: RefundStatus) -> Markup {
    let class = match status {
        RefundStatus::Completed => "badge ok",
        RefundStatus::Failed => "badge bad",
        RefundStatus::Pending => "badge wait",
    };
    html! { span class=(class) { (t.refund_status(status)) } }
}

/// What a page needs to render its frame.
pub(crate) struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    /// The stylesheet's URL.
    pub css: &'a str,
    /// The site header (brand, navigation, tools), if any.
    pub header: Option<Markup>,
    /// The URL of this page in the other language.
    pub switch_lang: String,
}

/// The HTML document around `body`.
pub(crate) fn document(frame: &Frame<'_>, body: Markup) -> Markup {
    let t = frame.lang.texts();
    let other = frame.lang.other();
    html! {
        (DOCTYPE)
        html lang=(frame.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (frame.title) " · athm" }
                // The id tells the button's script its styles are here.
                link rel="stylesheet" href=(frame.css) id="athm-button-css";
            }
            body {
                a class="skip" href="#main" { (t.skip_to_content) }
                @if let Some(header) = &frame.header {
                    (header)
                }
                main id="main" tabindex="-1" {
                    (body)
                    footer {
                        a href=(frame.switch_lang) lang=(other.code()) hreflang=(other.code()) {
                            (other.texts().this_language)
                        }
                    }
                }
            }
        }
    }
}

/// `url` with `lang=code` set (other parameters kept).
pub(crate) fn with_lang(path: &str, query: Option<&str>, lang: Lang) -> String {
    let mut pairs: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang = format!("lang={}", lang.code());
    pairs.push(&lang);
    format!("{path}?{}", pairs.join("&"))
}

/// The pages' Content-Security-Policy: scripts and styles only as files
/// from this origin (no inline script or style: the pages have none, and
/// the button's styles come with `athm.css`), no framing, forms posting
/// only here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// An HTML response, with security headers and no caching.
pub(crate) fn respond(status: StatusCode, markup: Markup, set_cookies: &[String]) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    for cookie in set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `GET …/athm.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// The layers of the HTML routers: trace, timeout, body limit.
pub(crate) fn layered<S>(router: Router<S>, max_body: usize, timeout: Duration, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(crate::middleware::request_span))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(
            query_param(Some("a=1&q=787%20555+1234"), "q").as_deref(),
            Some("787 555 1234")
        );
        assert_eq!(query_param(Some("a=1"), "q"), None);
        assert_eq!(query_param(Some("q=%zz"), "q").as_deref(), Some("%zz"));
        assert_eq!(query_param(Some("q=%"), "q").as_deref(), Some("%"));
    }

    #[test]
    fn encoding_round_trips_through_decoding() {
        let text = "Añasco & 787/555?x=1";
        assert_eq!(percent_decode(&encode(text)), text);
    }

    #[test]
    fn the_language_comes_from_the_query_then_the_cookie_then_the_header() {
        let request = |uri: &str, cookie: Option<&str>, accept: Option<&str>| {
            let mut builder = axum::http::Request::builder().uri(uri);
            if let Some(c) = cookie {
                builder = builder.header(header::COOKIE, c);
            }
            if let Some(a) = accept {
                builder = builder.header(header::ACCEPT_LANGUAGE, a);
            }
            builder.body(()).map(|r| r.into_parts().0)
        };
        let lang = |p: Result<Parts, _>| p.map(|p| Lang::of_request(&p));
        assert_eq!(
            lang(request("/?lang=en", None, None)).ok(),
            Some((Lang::En, true))
        );
        assert_eq!(
            lang(request("/", Some("athm_lang=en"), Some("es"))).ok(),
            Some((Lang::En, false))
        );
        assert_eq!(
            lang(request("/", None, Some("fr-FR, en-US;q=0.8"))).ok(),
            Some((Lang::En, false))
        );
        assert_eq!(lang(request("/", None, None)).ok(), Some((Lang::Es, false)));
    }

    #[test]
    fn accept_language_is_read_by_quality() {
        let accepted = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(value).ok()?);
            Lang::accepted(&headers)
        };
        let table = [
            ("es-PR", Some(Lang::Es)),
            ("es-PR,es;q=0.9,en;q=0.8", Some(Lang::Es)),
            ("en-US,en;q=0.9,es;q=0.8", Some(Lang::En)),
            ("es;q=0.4, en;q=0.6", Some(Lang::En)),
            ("fr-FR, es;q=0.5", Some(Lang::Es)),
            ("es;q=0, en;q=0.1", Some(Lang::En)),
            ("es;q=0", None),
            ("fr, de", None),
            ("*", None),
            ("est, eng", None),
            ("", None),
        ];
        for (value, expected) in table {
            assert_eq!(accepted(value), expected, "{value:?}");
        }
    }
}
