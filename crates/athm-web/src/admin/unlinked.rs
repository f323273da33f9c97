//! `GET /admin/unlinked`: the completed transactions of ATH Móvil's report
//! that are none of the payments or refunds here (made elsewhere, or
//! refunds athm could not link), newest first; and `POST
//! /admin/unlinked/{reference}/link`, where a person links an unlinked
//! refund to its payment (ATH Móvil must confirm it).

use athm_domain::ports::Page;
use athm_domain::services::RowOutcome;
use athm_domain::{
    EcommerceId, ReferenceNumber, TransactionType, UnlinkedKind, UnlinkedTransaction,
};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::forbidden;
use super::lists::{Filters, Listing, list_page};
use super::session::{Session, see_other};
use super::{AdminState, Ctx, failure};
use crate::pages::{Texts, money, when};

/// `GET /admin/unlinked`.
pub(crate) async fn page(State(state): State<AdminState>, ctx: Ctx, session: Session) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let listed = match filters.list_query(UnlinkedKind::parse) {
        Some(query) => state.app.store().list_unlinked(&query).await,
        None => Ok(Page::default()),
    };
    let page = match listed {
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
            (t.link, false),
        ],
    };
    let linking = state
        .config
        .reconciler
        .is_some()
        .then_some((&session, &*state.base));
    let rows = page.items.iter().map(|u| row(t, u, linking));
    list_page(&ctx, &session, &filters, &listing, rows, page.total)
}

/// One transaction's row; a refund's has a form to link it to its payment
/// when `linking` (the session and the admin's base URL) is given.
fn row(t: &Texts, u: &UnlinkedTransaction, linking: Option<(&Session, &str)>) -> Markup {
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
            td {
                @if let (true, Some((session, base))) = (u.is_refund(), linking) {
                    form method="post" action=(format!("{base}/unlinked/{}/link", u.reference_number)) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        @if let Some(date) = u.date {
                            input type="hidden" name="date" value=(date.to_rfc3339());
                        }
                        input type="text" name="payment" required
                            placeholder=(t.link_payment_placeholder) aria-label=(t.link_payment_placeholder);
                        button type="submit" { (t.link) }
                    }
                }
            }
        }
    }
}

/// The link form: the payment's ecommerce id, the refund's date (it narrows
/// the report ATH Móvil is asked for).
#[derive(Debug, Deserialize)]
pub(crate) struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    payment: String,
    #[serde(default)]
    date: String,
}

/// `POST /admin/unlinked/{reference}/link`: links the unlinked refund to
/// the payment named in the form when ATH Móvil's report and totals confirm
/// it, then shows the payment; otherwise says why not.
pub(crate) async fn link(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Path(reference): Path<String>,
    Form(form): Form<LinkForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    let t = ctx.t();
    let Some(reconciler) = &state.config.reconciler else {
        return ctx.message(StatusCode::NOT_FOUND, Some(&session), t.not_found);
    };
    let Ok(reference) = reference.parse::<ReferenceNumber>() else {
        return ctx.message(StatusCode::NOT_FOUND, Some(&session), t.not_found);
    };
    let Ok(payment) = form.payment.trim().parse::<EcommerceId>() else {
        return ctx.message(StatusCode::BAD_REQUEST, Some(&session), t.link_bad_payment);
    };
    let date = DateTime::parse_from_rfc3339(form.date.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc));
    match reconciler.link_refund(&reference, date, payment).await {
        Ok(RowOutcome::Updated | RowOutcome::Skipped) => {
            tracing::info!(refund = %reference, %payment, "an unlinked refund was linked by a person");
            see_other(
                &format!("{}/payments/{payment}", ctx.base),
                &ctx.set_cookies,
            )
        }
        Ok(RowOutcome::Unmatched(reason) | RowOutcome::Error(reason)) => ctx.message(
            StatusCode::CONFLICT,
            Some(&session),
            &format!("{}: {reason}", t.link_refused),
        ),
        Ok(_) => ctx.message(StatusCode::CONFLICT, Some(&session), t.link_refused),
        Err(error) => failure(&ctx, &session, &error),
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
