//! The listings: payments, refunds, webhook events and clients, with search,
//! filters and pages, and [`list_page`], the page every listing is.

use athm_domain::ports::{ListQuery, Page};
use athm_domain::{PaymentStatus, RefundStatus};

use athm_domain::webhook::EventStatus;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::session::Session;
use super::{AdminState, Ctx, failure};
use crate::pages::{self, encode, fill, money, payment_badge, refund_badge, when};

/// Rows per page.
const PER_PAGE: u64 = 25;

/// The filters of a listing, as typed in its form.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filters {
    pub q: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub page: u64,
}

impl Filters {
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let get = |name| {
            pages::query_param(query, name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        Self {
            q: get("q"),
            status: get("status"),
            from: get("from"),
            to: get("to"),
            page: get("page").parse().ok().filter(|p| *p >= 1).unwrap_or(1),
        }
    }

    /// The store's query, its status read by `status` (`None`: a status
    /// no row can have, so nothing is listed); a date that does not parse
    /// is ignored.
    pub(crate) fn list_query<S>(&self, status: fn(&str) -> Option<S>) -> Option<ListQuery<S>> {
        let start = |text: &str| -> Option<DateTime<Utc>> {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            day.and_hms_opt(0, 0, 0)?
                .and_local_timezone(pages::puerto_rico())
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        let status = match self.status.as_str() {
            "" => None,
            named => Some(status(named)?),
        };
        Some(ListQuery {
            search: Some(self.q.clone()).filter(|q| !q.is_empty()),
            status,
            from: start(&self.from),
            to: start(&self.to).map(|t| t + chrono::Duration::days(1)),
            page: self.page,
            per_page: PER_PAGE,
        })
    }

    /// The query string of these filters on `page`.
    fn query_string(&self, page: u64) -> String {
        let mut pairs = Vec::new();
        for (name, value) in [
            ("q", &self.q),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                pairs.push(format!("{name}={}", encode(value)));
            }
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        pairs.join("&")
    }
}

/// The filter form of a listing.
fn filter_form(
    ctx: &Ctx,
    filters: &Filters,
    hint: &str,
    statuses: &[(&str, &str)],
    dates: bool,
) -> Markup {
    let t = ctx.t();
    html! {
        form class="filters" method="get" action=(ctx.path) role="search" {
            div class="field" {
                label for="q" { (t.search) }
                input id="q" name="q" type="search" value=(filters.q) aria-describedby="q-hint";
                p class="hint" id="q-hint" { (hint) }
            }
            @if !statuses.is_empty() {
                div class="field" {
                    label for="status" { (t.status) }
                    select id="status" name="status" {
                        option value="" { (t.any_status) }
                        @for (value, label) in statuses {
                            option value=(value) selected[filters.status == *value] { (label) }
                        }
                    }
                }
            }
            @if dates {
                div class="field" {
                    label for="from" { (t.from) }
                    input id="from" name="from" type="date" value=(filters.from);
                }
                div class="field" {
                    label for="to" { (t.to) }
                    input id="to" name="to" type="date" value=(filters.to);
                }
            }
            div class="actions" {
                button type="submit" { (t.filter) }
                a href=(ctx.path) { (t.clear_filters) }
            }
        }
    }
}

/// "N results" and the previous/next links.
fn pager(ctx: &Ctx, filters: &Filters, total: u64) -> Markup {
    let t = ctx.t();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = filters.page.min(pages);
    let link = |p: u64| {
        let query = filters.query_string(p);
        if query.is_empty() {
            ctx.path.clone()
        } else {
            format!("{}?{query}", ctx.path)
        }
    };
    html! {
        nav class="pages" aria-label=(t.pagination) {
            span { (fill(t.results, &[("total", &total.to_string())])) " · "
                (fill(t.page_of, &[("page", &page.to_string()), ("pages", &pages.to_string())])) }
            @if page > 1 {
                a href=(link(page - 1)) rel="prev" { "← " (t.previous) }
            }
            @if page < pages {
                a href=(link(page + 1)) rel="next" { (t.next) " →" }
            }
        }
    }
}

/// A listing's table (or "no results") and its pager: `columns` are the
/// header cells (`true` for a number, aligned right), `rows` the body rows.
fn listing(
    ctx: &Ctx,
    filters: &Filters,
    caption: &str,
    columns: &[(&str, bool)],
    rows: impl Iterator<Item = Markup>,
    total: u64,
) -> Markup {
    let rows: Vec<Markup> = rows.collect();
    html! {
        @if rows.is_empty() {
            p { (ctx.t().no_results) }
        } @else {
            table {
                caption class="sr-only" { (caption) }
                thead { tr {
                    @for (name, number) in columns {
                        th scope="col" class=[number.then_some("num")] { (name) }
                    }
                } }
                tbody { @for row in rows { (row) } }
            }
        }
        (pager(ctx, filters, total))
    }
}

/// What a listing page shows around its rows.
pub(crate) struct Listing<'a> {
    /// The heading, the page's title and the table's caption.
    pub title: &'a str,
    /// A paragraph under the heading, if any.
    pub intro: Option<&'a str>,
    /// The search field's hint.
    pub hint: &'a str,
    /// The status filter's choices, `(value, label)`; none hides the filter.
    pub statuses: &'a [(&'a str, &'a str)],
    /// Whether the form filters by date.
    pub dates: bool,
    /// The header cells (`true` for a number, aligned right).
    pub columns: &'a [(&'a str, bool)],
}

/// A whole listing page: heading, filter form, the table of `rows` (or
/// "no results") and the pager.
pub(crate) fn list_page(
    ctx: &Ctx,
    session: &Session,
    filters: &Filters,
    page: &Listing<'_>,
    rows: impl Iterator<Item = Markup>,
    total: u64,
) -> Response {
    let body = html! {
        h1 { (page.title) }
        @if let Some(intro) = page.intro { p { (intro) } }
        (filter_form(ctx, filters, page.hint, page.statuses, page.dates))
        (listing(ctx, filters, page.title, page.columns, rows, total))
    };
    ctx.page(StatusCode::OK, page.title, Some(session), body)
}

fn payment_link(ctx: &Ctx, id: &str) -> String {
    format!("{}/payments/{id}", ctx.base)
}

/// `GET /admin/payments`.
pub(crate) async fn payments(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let listed = match filters.list_query(PaymentStatus::parse) {
        Some(query) => state.app.store().list_payments(&query).await,
        None => Ok(Page::default()),
    };
    let page = match listed {
        Ok(page) => page,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let statuses: Vec<(&str, &str)> = PaymentStatus::ALL
        .iter()
        .map(|s| (s.as_str(), t.payment_status(*s)))
        .collect();
    let columns = [
        (t.created, false),
        (t.ecommerce_id, false),
        (t.status, false),
        (t.total, true),
        (t.refunded, true),
        (t.customer, false),
        (t.reference, false),
    ];
    let listing = Listing {
        title: t.payments,
        intro: None,
        hint: t.search_payments_hint,
        statuses: &statuses,
        dates: true,
        columns: &columns,
    };
    list_page(
        &ctx,
        &session,
        &filters,
        &listing,
            page.items.iter().map(|p| html! {
                tr {
                    td { (when(p.created_at)) }
                    td { a class="mono" href=(payment_link(&ctx, &p.ecommerce_id.to_string())) { (p.ecommerce_id) } }
                    td { (payment_badge(t, p.status)) }
                    td class="num" { (money(p.total)) }
                    td class="num" { (money(p.total_refunded_amount)) }
                    td {
                        (p.customer_name)
                        @if let Some(phone) = &p.customer_phone {
                            @if !p.customer_name.is_empty() { br; }
                            span class="mono" { (phone) }
                        }
                    }
                    td class="mono" { (p.reference_number.as_ref().map(ToString::to_string).unwrap_or_default()) }
                }
            }),
        page.total,
    )
}

/// `GET /admin/refunds`.
pub(crate) async fn refunds(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let listed = match filters.list_query(RefundStatus::parse) {
        Some(query) => state.app.store().list_refunds(&query).await,
        None => Ok(Page::default()),
    };
    let page = match listed {
        Ok(page) => page,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let statuses = [
        ("PENDING", t.refund_statuses[0]),
        ("COMPLETED", t.refund_statuses[1]),
        ("FAILED", t.refund_statuses[2]),
    ];
    let columns = [
        (t.created, false),
        (t.payment, false),
        (t.status, false),
        (t.amount, true),
        (t.customer, false),
        (t.message, false),
        (t.reference, false),
    ];
    let listing = Listing {
        title: t.refunds,
        intro: None,
        hint: t.search_payments_hint,
        statuses: &statuses,
        dates: true,
        columns: &columns,
    };
    list_page(
        &ctx,
        &session,
        &filters,
        &listing,
            page.items.iter().map(|r| html! {
                tr {
                    td { (when(r.created_at)) }
                    td { a class="mono" href=(payment_link(&ctx, &r.ecommerce_id.to_string())) { (r.ecommerce_id) } }
                    td {
                        (refund_badge(t, r.status))
                        @if let Some(failure) = &r.failure { br; span class="hint" { (failure) } }
                    }
                    td class="num" { (money(r.amount)) }
                    td { (r.customer_name) " " span class="mono" { (r.customer_phone.as_ref().map(ToString::to_string).unwrap_or_default()) } }
                    td { (r.message.as_str()) }
                    td class="mono" { (r.reference_number.as_ref().map(ToString::to_string).unwrap_or_default()) }
                }
            }),
        page.total,
    )
}

/// `GET /admin/events`.
pub(crate) async fn events(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let listed = match filters.list_query(EventStatus::parse) {
        Some(query) => state.app.store().list_webhook_events(&query).await,
        None => Ok(Page::default()),
    };
    let page = match listed {
        Ok(page) => page,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let statuses: Vec<(&str, &str)> = [
        EventStatus::Pending,
        EventStatus::Processed,
        EventStatus::Failed,
        EventStatus::Flagged,
    ]
    .iter()
    .map(|s| (s.as_str(), t.event_status(*s)))
    .collect();
    let notice = reprocess_notice(&ctx);
    let columns = [
        (t.received, false),
        (t.kind, false),
        (t.status, false),
        (t.payment, false),
        (t.attempts, true),
        (t.sender, false),
        (t.error, false),
    ];
    let body = html! {
        h1 { (t.events) }
        @if let Some(notice) = notice {
            p class="notice" role="status" { (notice) }
        }
        form method="post" action=(format!("{}/events/reprocess", ctx.base)) class="actions" {
            input type="hidden" name="csrf" value=(session.csrf);
            button type="submit" aria-describedby="reprocess-hint" { (t.reprocess_all) }
            span class="hint" id="reprocess-hint" { (t.reprocess_all_hint) }
        }
        (filter_form(&ctx, &filters, t.search_hint, &statuses, true))
        (listing(
            &ctx,
            &filters,
            t.events,
            &columns,
            page.items.iter().map(|e| html! {
                tr {
                    td { (when(e.received_at)) }
                    td class="mono" { (e.kind.as_str()) }
                    td { (t.event_status(e.status)) }
                    td {
                        @if let Some(id) = e.ecommerce_id {
                            a class="mono" href=(payment_link(&ctx, &id.to_string())) { (id) }
                        } @else if let Some(reference) = &e.reference_number {
                            span class="mono" { (reference) }
                        }
                    }
                    td class="num" { (e.attempts) }
                    td class="mono" { (e.remote_addr.as_deref().unwrap_or_default()) }
                    td {
                        (e.error.clone().unwrap_or_default())
                        details {
                            summary { (t.raw_body) }
                            pre class="mono" { (e.payload) }
                        }
                        @if e.status != EventStatus::Processed {
                            form method="post" action=(format!("{}/events/{}/reprocess", ctx.base, e.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                button type="submit" class="secondary" aria-label=(format!("{} {}", t.reprocess, e.id)) { (t.reprocess) }
                            }
                        }
                    }
                }
            }),
            page.total,
        ))
    };
    ctx.page(StatusCode::OK, t.events, Some(&session), body)
}

fn reprocess_notice(ctx: &Ctx) -> Option<String> {
    let query = ctx.query.as_deref();
    let processed: u64 = pages::query_param(query, "processed")?.parse().ok()?;
    let failed: u64 = pages::query_param(query, "failed")?.parse().ok()?;
    Some(fill(
        ctx.t().reprocessed,
        &[
            ("processed", &processed.to_string()),
            ("failed", &failed.to_string()),
        ],
    ))
}

/// `GET /admin/clients`.
pub(crate) async fn clients(
    State(state): State<AdminState>,
    ctx: Ctx,
    session: Session,
) -> Response {
    let t = ctx.t();
    let filters = Filters::from_query(ctx.query.as_deref());
    let listed = match filters.list_query(|_| None) {
        Some(query) => state.app.store().list_clients(&query).await,
        None => Ok(Page::default()),
    };
    let page = match listed {
        Ok(page) => page,
        Err(error) => return failure(&ctx, &session, &error),
    };
    let columns = [
        (t.phone, false),
        (t.name, false),
        (t.email, false),
        (t.first_seen, false),
        (t.last_seen, false),
        (t.payments, false),
    ];
    let listing = Listing {
        title: t.clients,
        intro: None,
        hint: t.search_hint,
        statuses: &[],
        dates: false,
        columns: &columns,
    };
    list_page(
        &ctx,
        &session,
        &filters,
        &listing,
            page.items.iter().map(|c| html! {
                tr {
                    td class="mono" { (c.phone) }
                    td { (c.name) }
                    td { (c.email) }
                    td { (when(c.created_at)) }
                    td { (when(c.updated_at)) }
                    td { a href=(format!("{}/payments?q={}", ctx.base, encode(c.phone.as_str()))) { (t.customer_payments) } }
                }
            }),
        page.total,
    )
}
