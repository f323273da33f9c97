//! One payment: its summary, customer, items, refunds and the timeline of
//! its webhook events, with the refund form.

use athm_domain::ports::{PaymentKey, PaymentRecord};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use athm_domain::{Amount, EcommerceId, RefundStatus};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::session::Session;
use super::{AdminState, Ctx, failure};
use crate::pages::{Texts, encode, fill, money, payment_badge, refund_badge, when};

/// What is left to refund ([`PaymentRecord::refundable`], the domain's one rule).
pub(crate) fn refundable(record: &PaymentRecord) -> Amount {
    record.refundable()
}

/// The payment as the admin sees it (without the actions). `admin_base`
/// links the customer to their payments in the admin, when given.
pub(crate) fn payment_details(
    t: &Texts,
    record: &PaymentRecord,
    events: &[WebhookEvent],
    admin_base: Option<&str>,
) -> Markup {
    let p = &record.payment;
    let optional = |a: Option<Amount>| a.map(money).unwrap_or_else(|| "—".into());
    html! {
        div class="grid" {
            section class="card" aria-labelledby="summary-title" {
                h2 id="summary-title" { (t.summary) }
                dl class="facts" {
                    dt { (t.status) } dd { (payment_badge(t, p.status)) }
                    dt { (t.total) } dd { (money(p.total)) }
                    dt { (t.subtotal) } dd { (optional(p.subtotal)) }
                    dt { (t.tax) } dd { (optional(p.tax)) }
                    dt { (t.fee) } dd { (optional(p.fee)) }
                    dt { (t.net) } dd { (optional(p.net_amount)) }
                    dt { (t.refunded) } dd { (money(p.total_refunded_amount)) }
                    @if p.is_refundable() {
                        dt { (t.refundable) } dd { (money(refundable(record))) }
                    }
                    dt { (t.reference) } dd class="mono" { (p.reference_number.as_ref().map(ToString::to_string).unwrap_or_else(|| "—".into())) }
                    dt { (t.ecommerce_id) } dd class="mono" { (p.ecommerce_id) }
                    dt { (t.daily_id) } dd { (p.daily_transaction_id.clone().unwrap_or_else(|| "—".into())) }
                    dt { (t.created) } dd { (when(p.created_at)) }
                    @if let Some(at) = p.transaction_date {
                        dt { (t.completed_at) } dd { (when(at)) }
                    }
                    @if !p.metadata_1.as_str().is_empty() || !p.metadata_2.as_str().is_empty() {
                        dt { (t.metadata) } dd { (p.metadata_1.as_str()) @if !p.metadata_2.as_str().is_empty() { " · " (p.metadata_2.as_str()) } }
                    }
                }
            }
            section class="card" aria-labelledby="customer-title" {
                h2 id="customer-title" { (t.customer) }
                @if p.customer_phone.is_none() && p.customer_name.is_empty() {
                    p { (t.no_customer) }
                } @else {
                    dl class="facts" {
                        dt { (t.name) } dd { (p.customer_name) }
                        dt { (t.phone) } dd class="mono" { (p.customer_phone.as_ref().map(ToString::to_string).unwrap_or_default()) }
                        dt { (t.email) } dd { (p.customer_email) }
                    }
                    @if let (Some(base), Some(phone)) = (admin_base, &p.customer_phone) {
                        p { a href=(format!("{base}/payments?q={}", encode(phone.as_str()))) { (t.customer_payments) } }
                    }
                }
            }
        }
        section aria-labelledby="items-title" {
            h2 id="items-title" { (t.items) }
            @if p.items.is_empty() {
                p { (t.no_items) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t.name) }
                        th scope="col" { (t.description) }
                        th scope="col" class="num" { (t.quantity) }
                        th scope="col" class="num" { (t.price) }
                        th scope="col" class="num" { (t.tax) }
                    } }
                    tbody {
                        @for item in &p.items {
                            tr {
                                td { (item.name) }
                                td { (item.description) }
                                td class="num" { (item.quantity) }
                                td class="num" { (money(item.price)) }
                                td class="num" { (optional(item.tax)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="refunds-title" {
            h2 id="refunds-title" { (t.refunds) }
            @if record.refunds.is_empty() {
                p { (t.no_refunds) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t.created) }
                        th scope="col" { (t.status) }
                        th scope="col" class="num" { (t.amount) }
                        th scope="col" { (t.message) }
                        th scope="col" { (t.reference) }
                    } }
                    tbody {
                        @for r in &record.refunds {
                            tr {
                                td { (when(r.created_at)) }
                                td {
                                    (refund_badge(t, r.status))
                                    @if let Some(failure) = &r.failure { br; span class="hint" { (failure) } }
                                }
                                td class="num" { (money(r.amount)) }
                                td { (r.message.as_str()) }
                                td class="mono" { (r.reference_number.as_ref().map(ToString::to_string).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        (timeline(t, record, events))
    }
}

/// Everything that happened to the payment, oldest first.
fn timeline(t: &Texts, record: &PaymentRecord, events: &[WebhookEvent]) -> Markup {
    let p = &record.payment;
    let mut entries: Vec<(DateTime<Utc>, Markup)> = vec![(
        p.created_at,
        html! { strong { (t.timeline_created) } " · " (money(p.total)) },
    )];
    if let Some(at) = p.transaction_date {
        // ATH Móvil's dates have whole seconds: never before the creation.
        let at = at.max(p.created_at);
        entries.push((at, html! { strong { (t.timeline_completed) } }));
    }
    for r in &record.refunds {
        entries.push((
            r.created_at,
            html! {
                strong { (fill(t.timeline_refund, &[("amount", &money(r.amount))])) }
                " · " (refund_badge(t, r.status))
            },
        ));
    }
    for e in events {
        entries.push((
            e.received_at,
            html! {
                strong { (fill(t.timeline_event, &[("kind", e.kind.as_str())])) }
                " · " (t.event_status(e.status))
                @if e.attempts > 1 { " · " (t.attempts) ": " (e.attempts) }
                @if let Some(sender) = &e.remote_addr { " · " (t.sender) ": " span class="mono" { (sender) } }
                @if let Some(error) = &e.error { br; span class="hint" { (error) } }
            },
        ));
    }
    entries.sort_by_key(|(at, _)| *at);
    html! {
        section aria-labelledby="timeline-title" {
            h2 id="timeline-title" { (t.timeline) }
            ol class="timeline" {
                @for (at, what) in &entries {
                    li { (when(*at)) (what) }
                }
            }
            @if events.is_empty() {
                p class="hint" { (t.no_events) }
            }
        }
    }
}

/// Loads a payment with its events; `Ok(None)` for an unknown or malformed id.
pub(crate) async fn load(
    state: &AdminState,
    id: &str,
) -> Result<Option<(PaymentRecord, Vec<WebhookEvent>)>, athm_domain::ports::StoreError> {
    let Ok(id) = id.parse::<EcommerceId>() else {
        return Ok(None);
    };
    let store = state.app.store();
    let Some(record) = store.payment(&PaymentKey::Ecommerce(id)).await? else {
        return Ok(None);
    };
    let events = timeline_events(store.as_ref(), &record).await?;
    Ok(Some((record, events)))
}

/// Like [`load`], for a handler: the payment and its events, or the page to
/// answer instead (404 for an unknown payment, or the store's failure).
pub(crate) async fn found(
    state: &AdminState,
    ctx: &Ctx,
    session: &Session,
    id: &str,
) -> Result<(PaymentRecord, Vec<WebhookEvent>), Response> {
    match load(state, id).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(ctx.message(StatusCode::NOT_FOUND, Some(session), ctx.t().not_found)),
        Err(error) => Err(failure(ctx, session, &error)),
    }
}

/// The payment's webhook events: those naming its ecommerce id, and the
/// refund events, which name only a reference number (the payment's or a refund's).
pub(crate) async fn timeline_events(
    store: &dyn athm_domain::ports::Store,
    record: &PaymentRecord,
) -> Result<Vec<WebhookEvent>, athm_domain::ports::StoreError> {
    let mut events = store
        .events_for_payment(&record.payment.ecommerce_id)
        .await?;
    let references = record.payment.reference_number.iter().chain(
        record
            .refunds
            .iter()
            .filter_map(|r| r.reference_number.as_ref()),
    );
    for reference in references {
        let query = athm_domain::ports::ListQuery {
            search: Some(reference.to_string()),
            per_page: 100,
            ..athm_domain::ports::ListQuery::default()
        };
        for event in store.list_webhook_events(&query).await?.items {
            let linked = event.reference_number.as_ref() == Some(reference);
            if linked && !events.iter().any(|e| e.id == event.id) {
                events.push(event);
            }
        }
    }
    events.sort_by_key(|e| e.received_at);
    Ok(events)
}

/// The notice for `?refund={id}` after a refund: what became of it.
fn refund_notice(ctx: &Ctx, record: &PaymentRecord) -> Option<(bool, String)> {
    let t = ctx.t();
    let id = crate::pages::query_param(ctx.query.as_deref(), "refund")?;
    let refund = record.refunds.iter().find(|r| r.id.to_string() == id)?;
    let amount = money(refund.amount);
    Some(match refund.status {
        RefundStatus::Completed => (true, fill(t.refund_done, &[("amount", &amount)])),
        RefundStatus::Pending => (false, t.refund_pending.to_string()),
        RefundStatus::Failed => (
            false,
            fill(
                t.refund_failed,
                &[("reason", refund.failure.as_deref().unwrap_or_default())],
            ),
        ),
    })
}

/// The refund form (first step: review).
fn refund_form(ctx: &Ctx, session: &Session, record: &PaymentRecord) -> Markup {
    let t = ctx.t();
    let left = refundable(record);
    let id = record.payment.ecommerce_id;
    html! {
        section aria-labelledby="refund-title" class="card" {
            h2 id="refund-title" { (t.refund_title) }
            @if record.payment.is_refundable() && !left.is_zero() {
                form method="post" action=(format!("{}/payments/{id}/refund", ctx.base)) class="stack" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    div class="field" {
                        label for="amount" { (t.amount) }
                        input id="amount" name="amount" type="text" inputmode="decimal" required
                            value=(left) aria-describedby="amount-hint";
                        p class="hint" id="amount-hint" { (fill(t.refund_amount_hint, &[("max", &money(left))])) }
                    }
                    div class="field" {
                        label for="message" { (t.message) }
                        input id="message" name="message" type="text" maxlength="50" aria-describedby="message-hint";
                        p class="hint" id="message-hint" { (t.refund_message_hint) }
                    }
                    button type="submit" { (t.refund_review) }
                }
            } @else {
                p { (t.refund_not_possible) }
            }
        }
    }
}

/// Reprocess buttons for the payment's events not processed yet (pending,
/// failed, or flagged: checked with ATH Móvil again).
fn reprocess_forms(ctx: &Ctx, session: &Session, events: &[WebhookEvent]) -> Markup {
    let t = ctx.t();
    html! {
        @for e in events.iter().filter(|e| e.status != EventStatus::Processed) {
            form method="post" action=(format!("{}/events/{}/reprocess", ctx.base, e.id)) class="actions" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="back" value=(ctx.path);
                button type="submit" class="secondary" { (t.reprocess) " · " (e.kind.as_str()) }
            }
        }
    }
}

/// The whole payment page, with an optional error above the refund form.
pub(crate) fn render(
    ctx: &Ctx,
    session: &Session,
    record: &PaymentRecord,
    events: &[WebhookEvent],
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let t = ctx.t();
    let title = fill(t.payment_title, &[("total", &money(record.payment.total))]);
    let notice = refund_notice(ctx, record);
    let body = html! {
        p { a href=(format!("{}/payments", ctx.base)) { "← " (t.payments) } }
        h1 { (title) }
        @if let Some((ok, text)) = &notice {
            p class=(if *ok { "notice" } else { "error" }) role="status" { (text) }
        }
        @if let Some(error) = error {
            p class="error" role="alert" { (error) }
        }
        (payment_details(t, record, events, Some(&ctx.base)))
        (reprocess_forms(ctx, session, events))
        (refund_form(ctx, session, record))
    };
    ctx.page(status, &title, Some(session), body)
}

/// `GET /admin/payments/{ecommerce_id}`.
pub(crate) async fn page(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    match found(&state, &ctx, &session, &id).await {
        Ok((record, events)) => render(&ctx, &session, &record, &events, StatusCode::OK, None),
        Err(answer) => answer,
    }
}
