//! The admin's actions: refund (review, then confirm), reprocess webhook
//! events, install the webhook URL. Each checks the session's CSRF token.

use athm_domain::ports::WebhookSubscription;
use athm_domain::services::PaymentError;
use athm_domain::{Amount, EcommerceId, RefundIntent, RefundMessage, WebhookEventId};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::payment::{found, load, refundable, render};
use super::session::{CsrfForm, Session, see_other};
use super::{AdminState, Ctx, failure};
use crate::error::gateway_reason;
use crate::pages::{Lang, fill, money};

/// The refund forms (review and confirm).
#[derive(Debug, Deserialize)]
pub(crate) struct RefundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    message: String,
    /// The refund intent the review page gave this form: confirming it
    /// twice (a double click, a resubmitted page) is one refund.
    #[serde(default)]
    intent: String,
}

/// Why a refund was not made, in the admin's language: ATH Móvil's
/// published text and code when ATH Móvil refused or failed, else the error.
fn refusal(error: &PaymentError, lang: Lang) -> String {
    match error {
        PaymentError::Gateway(gateway)
        | PaymentError::RefundRefused {
            source: Some(gateway),
            ..
        } => gateway_reason(gateway, lang.language()),
        other => other.to_string(),
    }
}

pub(crate) fn forbidden(ctx: &Ctx, session: &Session) -> Response {
    ctx.message(StatusCode::FORBIDDEN, Some(session), ctx.t().csrf_failed)
}

/// Validates a refund form against the payment: (amount, message) or the error to show.
fn validate(
    ctx: &Ctx,
    record: &athm_domain::ports::PaymentRecord,
    form: &RefundForm,
) -> Result<(Amount, RefundMessage), String> {
    let t = ctx.t();
    let left = refundable(record);
    if !record.payment.is_refundable() || left.is_zero() {
        return Err(t.refund_not_possible.to_string());
    }
    let hint = || fill(t.refund_amount_hint, &[("max", &money(left))]);
    let amount =
        Amount::parse_exact("amount", form.amount.trim_start_matches('$')).map_err(|_| hint())?;
    if amount.is_zero() || amount > left {
        return Err(hint());
    }
    let message = form
        .message
        .trim()
        .parse::<RefundMessage>()
        .map_err(|e| e.to_string())?;
    Ok((amount, message))
}

/// `POST /admin/payments/{id}/refund`: the confirmation step.
pub(crate) async fn review_refund(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<RefundForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    let t = ctx.t();
    let (record, events) = match found(&state, &ctx, &session, &id).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (amount, message) = match validate(&ctx, &record, &form) {
        Ok(valid) => valid,
        Err(error) => {
            return render(
                &ctx,
                &session,
                &record,
                &events,
                StatusCode::BAD_REQUEST,
                Some(&error),
            );
        }
    };
    let p = &record.payment;
    let customer = match (&p.customer_name, &p.customer_phone) {
        (name, Some(phone)) if !name.is_empty() => format!("{name} ({phone})"),
        (_, Some(phone)) => phone.to_string(),
        (name, None) => name.clone(),
    };
    let payment_url = format!("{}/payments/{}", ctx.base, p.ecommerce_id);
    let body = html! {
        h1 { (t.confirm_refund) }
        p { (fill(t.confirm_refund_body, &[
            ("amount", &money(amount)), ("total", &money(p.total)), ("customer", &customer),
        ])) }
        @if !message.as_str().is_empty() {
            p { strong { (t.message) ": " } (message.as_str()) }
        }
        form method="post" action=(format!("{payment_url}/refund/confirm")) class="actions" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="amount" value=(amount);
            input type="hidden" name="message" value=(message.as_str());
            input type="hidden" name="intent" value=(RefundIntent::random());
            button type="submit" class="danger" autofocus { (fill(t.confirm_refund_submit, &[("amount", &money(amount))])) }
            a href=(payment_url) { (t.back) }
        }
    };
    ctx.page(StatusCode::OK, t.confirm_refund, Some(&session), body)
}

/// `POST /admin/payments/{id}/refund/confirm`: sends the refund once.
pub(crate) async fn confirm_refund(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<RefundForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    let t = ctx.t();
    let (record, events) = match found(&state, &ctx, &session, &id).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let Ok(intent) = form.intent.parse::<RefundIntent>() else {
        return render(
            &ctx,
            &session,
            &record,
            &events,
            StatusCode::BAD_REQUEST,
            Some(t.refund_changed),
        );
    };
    let ecommerce_id: EcommerceId = record.payment.ecommerce_id;
    let url = |refund_id: &dyn std::fmt::Display| {
        format!("{}/payments/{ecommerce_id}?refund={refund_id}", ctx.base)
    };
    // A confirmation seen before shows that refund: it is never sent twice.
    if let Some(first) = record
        .refunds
        .iter()
        .find(|r| r.intent_key.as_ref() == Some(&intent))
    {
        return see_other(&url(&first.id), &ctx.set_cookies);
    }
    let (amount, message) = match validate(&ctx, &record, &form) {
        Ok(valid) => valid,
        Err(error) => {
            return render(
                &ctx,
                &session,
                &record,
                &events,
                StatusCode::BAD_REQUEST,
                Some(&error),
            );
        }
    };
    let result = state
        .app
        .payments()
        .refund(&ecommerce_id, Some(amount), message, intent)
        .await;
    match result {
        Ok(refund) => {
            tracing::info!(%ecommerce_id, amount = %refund.amount, "admin refunded a payment");
            see_other(&url(&refund.id), &ctx.set_cookies)
        }
        Err(PaymentError::RefundPending { refund_id, .. }) => {
            tracing::warn!(%ecommerce_id, %refund_id, "admin refund outcome unknown; left pending");
            see_other(&url(&refund_id), &ctx.set_cookies)
        }
        Err(error) => {
            tracing::warn!(%ecommerce_id, %error, "admin refund refused");
            let (record, events) = match load(&state, &id).await {
                Ok(Some(found)) => found,
                _ => (record, events),
            };
            let reason = fill(t.refund_failed, &[("reason", &refusal(&error, ctx.lang))]);
            render(
                &ctx,
                &session,
                &record,
                &events,
                StatusCode::BAD_GATEWAY,
                Some(&reason),
            )
        }
    }
}

/// `POST /admin/events/reprocess`: every pending or failed event once.
pub(crate) async fn reprocess_all(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    // Claimed like the recovery worker's, so both never run one event at once.
    let done = match state.app.webhooks().reprocess_all(500).await {
        Ok(done) => done,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let to = format!(
        "{}/events?processed={}&failed={}",
        ctx.base,
        done.processed,
        done.failed + done.flagged
    );
    see_other(&to, &ctx.set_cookies)
}

/// The reprocess form of one event.
#[derive(Debug, Deserialize)]
pub(crate) struct ReprocessForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
}

/// `POST /admin/events/{id}/reprocess`.
pub(crate) async fn reprocess_one(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<ReprocessForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    let t = ctx.t();
    let Ok(id) = id.parse::<uuid::Uuid>().map(WebhookEventId) else {
        return ctx.message(StatusCode::NOT_FOUND, Some(&session), t.not_found);
    };
    let event = match state.app.store().webhook_event(id).await {
        Ok(Some(event)) => event,
        Ok(None) => return ctx.message(StatusCode::NOT_FOUND, Some(&session), t.not_found),
        Err(error) => return failure(&ctx, &session, &error),
    };
    let failed = match state.app.webhooks().process(&event).await {
        Ok(_) => 0,
        Err(error) => {
            tracing::warn!(event = %event.id, %error, "reprocessed webhook event failed again");
            1
        }
    };
    let back = if form.back.starts_with(&format!("{}/payments/", ctx.base))
        && !form.back.contains(['?', '\r', '\n'])
    {
        form.back
    } else {
        format!(
            "{}/events?processed={}&failed={failed}",
            ctx.base,
            1 - failed
        )
    };
    see_other(&back, &ctx.set_cookies)
}

fn webhook_body(
    ctx: &Ctx,
    session: &Session,
    state: &AdminState,
    url: &str,
    outcome: Option<(bool, String)>,
) -> maud::Markup {
    let t = ctx.t();
    html! {
        h1 { (t.install_title) }
        @if let Some((ok, text)) = outcome {
            p class=(if ok { "notice" } else { "error" }) role=(if ok { "status" } else { "alert" }) { (text) }
        }
        p { (t.install_body) }
        @if state.config.gateway.is_some() {
            form method="post" action=(format!("{}/webhook/install", ctx.base)) class="stack" {
                input type="hidden" name="csrf" value=(session.csrf);
                div class="field" {
                    label for="url" { (t.webhook_url) }
                    input id="url" name="url" type="url" required value=(url) size="60";
                }
                button type="submit" { (t.install_submit) }
            }
        } @else {
            p class="error" { (t.install_unavailable) }
        }
    }
}

/// `GET /admin/webhook`.
pub(crate) async fn webhook_page(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
) -> Response {
    let url = state.config.webhook_url.clone().unwrap_or_default();
    let body = webhook_body(&ctx, &session, &state, &url, None);
    ctx.page(StatusCode::OK, ctx.t().install_title, Some(&session), body)
}

/// The install form.
#[derive(Debug, Deserialize)]
pub(crate) struct InstallForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
}

/// `POST /admin/webhook/install`: subscribes the URL at ATH Móvil.
pub(crate) async fn install_webhook(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<InstallForm>,
) -> Response {
    if !session.accepts(&state, &form.csrf) {
        return forbidden(&ctx, &session);
    }
    let t = ctx.t();
    let url = form.url.trim().to_string();
    let (status, outcome) = match (&state.config.gateway, url.is_empty()) {
        (None, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            (false, t.install_unavailable.to_string()),
        ),
        (Some(_), true) => (
            StatusCode::BAD_REQUEST,
            (false, fill(t.install_failed, &[("reason", "url: missing")])),
        ),
        (Some(gateway), false) => {
            match gateway
                .subscribe_webhook(&WebhookSubscription::all(url.clone()))
                .await
            {
                Ok(()) => {
                    tracing::info!(%url, "admin installed the webhook");
                    (StatusCode::OK, (true, fill(t.installed, &[("url", &url)])))
                }
                Err(error) => {
                    tracing::warn!(%url, %error, "webhook installation refused");
                    (
                        StatusCode::BAD_GATEWAY,
                        (
                            false,
                            fill(
                                t.install_failed,
                                &[("reason", &gateway_reason(&error, ctx.lang.language()))],
                            ),
                        ),
                    )
                }
            }
        }
    };
    let body = webhook_body(&ctx, &session, &state, &url, Some(outcome));
    ctx.page(status, t.install_title, Some(&session), body)
}
