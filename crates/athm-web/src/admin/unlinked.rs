//! `GET /admin/unlinked`: the completed transactions of ATH Móvil's report
//! that are none of the payments or refunds here (made elsewhere, or
//! refunds athm could not link), newest first. Read-only.

use athm_domain::{TransactionType, UnlinkedTransaction};
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::lists::{Filters, Listing, list_page};
use super::session::Session;
use super::{AdminState, Ctx, failure};
use crate::pages::{Texts, money, when};

/// `GET /admin/unlinked`.
pub(crate) async fn page(State(state): State<AdminState>, ctx: Ctx, session: Session) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let page = match state.app.store().list_unlinked(&filters.list_query()).await {
        Ok(page) => page,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let listing = Listing {
        title: t.unlinked,
        intro: Some(t.unlinked_intro),
        hint: t.search_unlinked_hint,
        statuses: &[("refund", t.refunds), ("payment", t.payments)],
        dates: true,
        columns: &[
            (t.date, false),
            (t.kind, false),
            (t.reference, false),
            (t.amount, true),
            (t.customer, false),
            (t.reason, false),
        ],
    };
    let rows = page.items.iter().map(|u| row(t, u));
    list_page(&ctx, &session, &filters, &listing, rows, page.total)
}

/// One transaction's row.
fn row(t: &Texts, u: &UnlinkedTransaction) -> Markup {
    html! {
        tr {
            td { @if let Some(date) = u.date { (when(date)) } }
            td { (kind(t, &u.transaction_type)) }
            td class="mono" { (u.reference_number) }
            td class="num" { (money(u.total)) }
            td {
                (u.customer_name)
                @if let Some(phone) = &u.customer_phone {
                    @if !u.customer_name.is_empty() { br; }
                    span class="mono" { (phone) }
                }
            }
            td { (u.reason) }
        }
    }
}

/// The type's name in the page's language (ATH Móvil's own for another type).
fn kind<'a>(t: &'a Texts, kind: &'a TransactionType) -> &'a str {
    match kind {
        TransactionType::Ecommerce => t.transaction_types[0],
        TransactionType::Refund => t.transaction_types[1],
        TransactionType::Payment => t.transaction_types[2],
        TransactionType::Donation => t.transaction_types[3],
        TransactionType::Simulated => t.transaction_types[4],
        TransactionType::Other(other) => other,
    }
}
