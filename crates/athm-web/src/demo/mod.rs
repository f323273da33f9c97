//! The demo shop at `/`, for the embedded default with the in-process
//! sandbox: one product, the three button themes, a link to the sandbox's
//! customer phone page, and success and failure pages. The success page
//! shows the payment as the admin sees it.
//!
//! Mount it only against a sandbox: its success page shows a payment to
//! whoever knows its ecommerce id and reference number.

use athm_domain::ports::PaymentKey;
use athm_domain::{Amount, EcommerceId, Item, Metadata, Total};
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};

use crate::admin::payment_details;
use crate::button::Theme;
use crate::checkout::{Checkout, sign_checkout};
use crate::pages::{self, Frame, Lang, fill, money, query_param};
use crate::state::AppState;

/// Settings of the demo shop.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// The sandbox's customer phone page (`{sandbox}/sandbox/phone`).
    pub sandbox_phone_url: String,
    /// The admin pages' URL, linked from the success page.
    pub admin_url: Option<String>,
}

#[derive(Clone)]
struct DemoState {
    app: AppState,
    config: DemoConfig,
    prefix: String,
}

/// `GET /`, `GET /demo/success` and `GET /demo/failure`; the button script
/// and stylesheet are under `prefix` (see [`crate::mount`]).
pub fn router(state: AppState, config: DemoConfig, prefix: &str) -> Router {
    let trimmed = prefix.trim().trim_matches('/');
    let prefix = if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    };
    let max_body = state.config().max_body_bytes;
    let timeout = state.config().request_timeout;
    let demo = DemoState {
        app: state,
        config,
        prefix,
    };
    let routes = Router::new()
        .route("/", get(shop))
        .route("/demo/success", get(success))
        .route("/demo/failure", get(failure));
    pages::layered(routes, max_body, timeout, demo)
}

/// The language and address of a demo page.
struct Ctx {
    lang: Lang,
    path: String,
    query: Option<String>,
    set_cookies: Vec<String>,
}

impl FromRequestParts<DemoState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &DemoState,
    ) -> Result<Self, Self::Rejection> {
        let (lang, chosen) = Lang::of_request(parts);
        Ok(Self {
            lang,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            set_cookies: if chosen {
                vec![lang.cookie("/")]
            } else {
                Vec::new()
            },
        })
    }
}

impl Ctx {
    fn page(&self, state: &DemoState, status: StatusCode, title: &str, body: Markup) -> Response {
        let t = self.lang.texts();
        let header = html! {
            header class="top" {
                a class="brand" href="/" { "athm · " (t.shop_title) }
            }
        };
        let css = format!("{}/athm.css", state.prefix);
        let frame = Frame {
            lang: self.lang,
            title,
            css: &css,
            header: Some(header),
            switch_lang: pages::with_lang(&self.path, self.query.as_deref(), self.lang.other()),
        };
        pages::respond(status, pages::document(&frame, body), &self.set_cookies)
    }
}

/// The demo order: a $10.00 mug with $0.50 tax.
fn demo_checkout(t: &pages::Texts) -> Option<Checkout> {
    let amount = |text: &str| text.parse::<Amount>().ok();
    Some(Checkout {
        subtotal: amount("10.00"),
        tax: amount("0.50"),
        metadata1: Metadata::lossy("Demo order"),
        metadata2: Metadata::lossy("athm demo shop"),
        items: vec![Item {
            name: t.product_name.to_string(),
            description: t.product_description.to_string(),
            quantity: 1,
            price: amount("10.00")?,
            tax: amount("0.50"),
            metadata: Some("mug-yauco".to_string()),
        }],
        success_url: Some("/demo/success".to_string()),
        failure_url: Some("/demo/failure".to_string()),
        ..Checkout::new(Total::new(amount("10.50")?).ok()?)
    })
}

/// `GET /`: the shop.
async fn shop(State(state): State<DemoState>, ctx: Ctx) -> Response {
    let t = ctx.lang.texts();
    let Some(checkout) = demo_checkout(t) else {
        return ctx.page(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            t.shop_title,
            html! {},
        );
    };
    let token = sign_checkout(state.app.config(), &checkout);
    let body = html! {
        div class="shop" {
            h1 { (t.shop_title) }
            p { (t.shop_intro) }
            div class="product" {
                div class="art" role="img" aria-label=(t.product_name) {}
                div {
                    h2 { (t.product_name) }
                    p { (t.product_description) }
                    p { strong { (money(checkout.total.amount())) } }
                }
            }
            p { (t.choose_button) }
            div class="buttons" {
                @for theme in Theme::ALL {
                    div data-athm-checkout=(token) data-athm-theme=(theme.as_str()) data-athm-lang=(ctx.lang.code()) {}
                }
            }
            script src=(format!("{}/button.js", state.prefix)) defer {}
            section aria-labelledby="phone-title" class="card" {
                h2 id="phone-title" { (t.phone_page) }
                p { (t.phone_page_hint) }
                p { a href=(state.config.sandbox_phone_url) target="_blank" rel="noopener" id="phone-link" {
                    (state.config.sandbox_phone_url)
                } }
            }
        }
    };
    ctx.page(&state, StatusCode::OK, t.shop_title, body)
}

/// `GET /demo/success?ecommerce_id=…&reference_number=…`.
async fn success(State(state): State<DemoState>, ctx: Ctx) -> Response {
    let t = ctx.lang.texts();
    let query = ctx.query.as_deref();
    let id = query_param(query, "ecommerce_id").and_then(|id| id.parse::<EcommerceId>().ok());
    let reference = query_param(query, "reference_number").unwrap_or_default();
    let store = state.app.store();
    let found = match id {
        Some(id) => match store.payment(&PaymentKey::Ecommerce(id)).await {
            Ok(Some(record))
                if record
                    .payment
                    .reference_number
                    .as_ref()
                    .is_some_and(|r| r.as_str() == reference) =>
            {
                let events = crate::admin::timeline_events(store.as_ref(), &record)
                    .await
                    .unwrap_or_default();
                Some((record, events))
            }
            Ok(_) => None,
            Err(error) => {
                tracing::error!(%error, "demo success page: the store failed");
                None
            }
        },
        None => None,
    };
    let Some((record, events)) = found else {
        let body = html! {
            h1 { (t.not_found) }
            p { a href="/" { (t.back_to_shop) } }
        };
        return ctx.page(&state, StatusCode::NOT_FOUND, t.not_found, body);
    };
    let body = html! {
        h1 { (t.success_title) }
        p class="notice" role="status" id="success-message" {
            (fill(t.success_body, &[("reference", &reference)]))
        }
        p class="actions" {
            a class="button" href="/" { (t.back_to_shop) }
            @if let Some(admin) = &state.config.admin_url {
                a href=(format!("{admin}/payments/{}", record.payment.ecommerce_id)) { (t.open_admin) }
            }
        }
        h2 { (t.as_admin_sees_it) }
        (payment_details(t, &record, &events, None))
    };
    ctx.page(&state, StatusCode::OK, t.success_title, body)
}

/// `GET /demo/failure?status=declined|expired|cancelled|error`.
async fn failure(State(state): State<DemoState>, ctx: Ctx) -> Response {
    let t = ctx.lang.texts();
    let message = match query_param(ctx.query.as_deref(), "status").as_deref() {
        Some("declined") => t.failure_declined,
        Some("expired") => t.failure_expired,
        Some("cancelled") => t.failure_cancelled,
        _ => t.failure_error,
    };
    let body = html! {
        h1 { (t.failure_title) }
        p class="error" role="alert" id="failure-message" { (message) }
        p { a class="button" href="/" { (t.back_to_shop) } }
    };
    ctx.page(&state, StatusCode::OK, t.failure_title, body)
}
