//! `/sandbox/phone`: a page that plays the customer's phone, in Spanish or
//! English. The language follows `?lang=es|en`, else the browser's
//! `Accept-Language` (Spanish first, as in Puerto Rico, when it names
//! neither); the page links to the other language.

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::response::Html;
use serde::Deserialize;
use serde_json::json;

const TEMPLATE: &str = include_str!("phone.html");

/// The page's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Es,
    En,
}

impl Lang {
    fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "es" => Some(Self::Es),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The preferred of Spanish and English in an `Accept-Language` value
    /// (highest `q`, the earlier on a tie); Spanish when it names neither.
    fn negotiate(accept: Option<&str>) -> Self {
        let mut best: Option<(Self, f32)> = None;
        for entry in accept.unwrap_or_default().split(',') {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Self::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, top)| q > top) {
                best = Some((lang, q));
            }
        }
        best.map_or(Self::Es, |(lang, _)| lang)
    }

    fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    /// The page's texts, `{{key}}` in the template.
    fn texts(self) -> [(&'static str, &'static str); 11] {
        match self {
            Self::Es => [
                ("title", "Teléfono del cliente – sandbox de ATH Móvil"),
                ("heading", "Teléfono de prueba de ATH Móvil"),
                ("notice", "Sandbox: aquí no se mueve dinero real."),
                ("phone_label", "Tu número de teléfono"),
                (
                    "phone_hint",
                    "Por ejemplo 787-555-1234, (787) 555-1234, 7875551234 o +1 787 555 1234",
                ),
                ("name_label", "Tu nombre (opcional)"),
                ("email_label", "Tu correo electrónico (opcional)"),
                ("show", "Ver pagos pendientes"),
                ("pending", "Pagos pendientes"),
                ("switch", "English"),
                ("other_lang", "en"),
            ],
            Self::En => [
                ("title", "ATH Móvil sandbox – customer phone"),
                ("heading", "ATH Móvil sandbox phone"),
                ("notice", "Sandbox: no real money moves here."),
                ("phone_label", "Your phone number"),
                (
                    "phone_hint",
                    "For example 787-555-1234, (787) 555-1234, 7875551234 or +1 787 555 1234",
                ),
                ("name_label", "Your name (optional)"),
                ("email_label", "Your email (optional)"),
                ("show", "Show pending payments"),
                ("pending", "Pending payments"),
                ("switch", "Español"),
                ("other_lang", "es"),
            ],
        }
    }

    /// The script's texts.
    fn script_texts(self) -> serde_json::Value {
        match self {
            Self::Es => json!({
                "approve": "Aprobar", "decline": "Rechazar",
                "approved": "Pago aprobado.", "declined": "Pago rechazado.",
                "error": "Error: ", "noAnswer": "El sandbox no contestó.",
                "none": "No hay pagos pendientes para este teléfono.",
                "badPhone": "Entra un número de teléfono de 10 dígitos.",
                "asks": "{business} te pide {total}", "expires": "vence",
            }),
            Self::En => json!({
                "approve": "Approve", "decline": "Decline",
                "approved": "Payment approved.", "declined": "Payment declined.",
                "error": "Error: ", "noAnswer": "The sandbox did not answer.",
                "none": "No pending payments for this phone.",
                "badPhone": "Enter a 10-digit phone number.",
                "asks": "{business} asks you for {total}", "expires": "expires",
            }),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    lang: Option<String>,
}

fn render(lang: Lang) -> String {
    let mut page = TEMPLATE
        .replace("{{lang}}", lang.code())
        .replace("{{strings}}", &lang.script_texts().to_string());
    for (key, text) in lang.texts() {
        page = page.replace(&format!("{{{{{key}}}}}"), text);
    }
    page
}

/// The page: plain HTML and a little inline script, no external assets.
pub(crate) async fn page(Query(query): Query<PageQuery>, headers: HeaderMap) -> Html<String> {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(|| {
            Lang::negotiate(headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
        });
    Html(render(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_browser_spanish_first() {
        assert_eq!(Lang::negotiate(None), Lang::Es);
        assert_eq!(Lang::negotiate(Some("fr-FR, de")), Lang::Es);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("es-PR,es;q=0.9,en;q=0.8")), Lang::Es);
        assert_eq!(Lang::negotiate(Some("es;q=0.5, en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en;q=0, es;q=0.1")), Lang::Es);
    }

    #[test]
    fn each_page_is_whole_and_links_to_the_other_language() {
        for (lang, word, link) in [
            (Lang::Es, "Aprobar", "?lang=en"),
            (Lang::En, "Approve", "?lang=es"),
        ] {
            let page = render(lang);
            assert!(!page.contains("{{"), "a placeholder is left in {lang:?}");
            assert!(page.contains(word) && page.contains(link), "{lang:?}");
            assert!(page.contains(&format!("<html lang=\"{}\">", lang.code())));
        }
    }
}
