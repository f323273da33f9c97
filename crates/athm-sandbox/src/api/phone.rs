//! `/sandbox/phone`: a page that plays the customer's phone.

use axum::response::Html;

/// The page: plain HTML and a little inline script, no external assets.
pub(crate) async fn page() -> Html<&'static str> {
    Html(include_str!("phone.html"))
}
