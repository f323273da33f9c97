//! A custom persistence adapter: an in-memory `Store` written here, in the
//! example, that passes the same conformance suite as `athm-store`'s SQL
//! adapter (`athm_store::conformance`, behind the `conformance` feature).
//!
//! Any adapter author runs the suite the same way: hand `run_all` a factory
//! of fresh, empty stores; each case panics with its name if the adapter
//! misbehaves. Then the adapter is used by the domain's services like any other.
//!
//! Run it with `cargo run --example custom_store`.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{
    AdminQueries, AthmGateway, CheckoutAttempt, ClientStore, Clock, Decide, FlaggedEvents,
    InsertResult, ListQuery, NoStatus, Outbox, Page, PaymentCursor, PaymentKey, PaymentRecord,
    PaymentStore, PaymentWrite, StepOutcome, Store, StoreError, StoredLifecycleEvent, SystemClock,
    WebhookInbox,
};
use athm_domain::webhook::{EventStatus, WebhookEvent, flagged_recheck_delay};
use athm_domain::{
    CheckoutKey, Client, ClientUpdate, EcommerceId, Payment, PaymentRequest, PaymentStatus,
    PhoneNumber, ReferenceNumber, Refund, RefundStatus, UnlinkedKind, UnlinkedTransaction,
    WebhookEventId, redelivery_delay,
};
use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Sandbox, SandboxConfig};
use chrono::{DateTime, Duration, Utc};

/// Everything the store holds. One mutex guards it all, so every port call
/// is atomic (and `update_payment` is serialised, which is the row lock).
#[derive(Clone, Default)]
struct Tables {
    payments: HashMap<EcommerceId, Payment>,
    refunds: Vec<Refund>,
    clients: HashMap<PhoneNumber, Client>,
    webhook_events: Vec<WebhookEvent>,
    /// Recovery claims on webhook events: until when.
    event_claims: HashMap<WebhookEventId, DateTime<Utc>>,
    /// When flagged webhook events are checked again.
    event_rechecks: HashMap<WebhookEventId, DateTime<Utc>>,
    outbox: Vec<OutboxRow>,
    next_outbox_id: i64,
    /// Report rows that are none of the payments or refunds here.
    unlinked: HashMap<ReferenceNumber, UnlinkedTransaction>,
    /// Each checkout's attempts, in order.
    checkouts: HashMap<CheckoutKey, Vec<Attempt>>,
}

/// One attempt of a checkout: when claimed, its payment once created, and
/// whether a later start took it over as stale (it can take no payment).
type Attempt = (DateTime<Utc>, Option<EcommerceId>, bool);

/// A lifecycle event in the outbox, with its delivery state.
#[derive(Clone)]
struct OutboxRow {
    stored: StoredLifecycleEvent,
    delivered: bool,
    claimed_until: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
}

/// An in-memory `Store`: fine for tests, demos and single-process tools.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    fn tables(&self) -> MutexGuard<'_, Tables> {
        // A panic while the lock was held leaves the data as the last whole
        // step wrote it (steps write a copy, then swap): keep going.
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Tables {
    fn find(&self, key: &PaymentKey) -> Option<&Payment> {
        match key {
            PaymentKey::Ecommerce(id) => self.payments.get(id),
            PaymentKey::Reference(reference) => self
                .payments
                .values()
                .find(|p| p.reference_number.as_ref() == Some(reference)),
            PaymentKey::Refund(reference) => self
                .refunds
                .iter()
                .find(|r| r.reference_number.as_ref() == Some(reference))
                .and_then(|r| self.payments.get(&r.ecommerce_id)),
        }
    }

    fn record(&self, key: &PaymentKey) -> Option<PaymentRecord> {
        let payment = self.find(key)?.clone();
        let mut refunds: Vec<Refund> = self
            .refunds
            .iter()
            .filter(|r| r.ecommerce_id == payment.ecommerce_id)
            .cloned()
            .collect();
        refunds.sort_by_key(|r| (r.created_at, r.id.to_string()));
        Some(PaymentRecord { payment, refunds })
    }

    /// Inserts or replaces `payment`, keeping reference numbers unique.
    fn save_payment(&mut self, payment: &Payment, insert: bool) -> Result<(), StoreError> {
        if insert && self.payments.contains_key(&payment.ecommerce_id) {
            return Err(StoreError::Duplicate {
                entity: "payment",
                key: payment.ecommerce_id.to_string(),
            });
        }
        if let Some(reference) = &payment.reference_number {
            let taken = self.payments.values().any(|p| {
                p.ecommerce_id != payment.ecommerce_id
                    && p.reference_number.as_ref() == Some(reference)
            });
            if taken {
                return Err(StoreError::Duplicate {
                    entity: "payment with reference number",
                    key: reference.to_string(),
                });
            }
        }
        self.payments.insert(payment.ecommerce_id, payment.clone());
        Ok(())
    }

    /// Inserts or updates `refund` by id, keeping refund reference numbers
    /// unique, and intents unique per payment.
    fn save_refund(&mut self, refund: &Refund) -> Result<(), StoreError> {
        if let Some(intent) = &refund.intent_key {
            let taken = self.refunds.iter().any(|r| {
                r.id != refund.id
                    && r.ecommerce_id == refund.ecommerce_id
                    && r.intent_key.as_ref() == Some(intent)
            });
            if taken {
                return Err(StoreError::Duplicate {
                    entity: "refund for intent",
                    key: format!("{intent} of payment {}", refund.ecommerce_id),
                });
            }
        }
        if let Some(reference) = &refund.reference_number {
            let taken = self
                .refunds
                .iter()
                .any(|r| r.id != refund.id && r.reference_number.as_ref() == Some(reference));
            if taken {
                return Err(StoreError::Duplicate {
                    entity: "refund",
                    key: reference.to_string(),
                });
            }
        }
        match self.refunds.iter_mut().find(|r| r.id == refund.id) {
            Some(existing) => *existing = refund.clone(),
            None => self.refunds.push(refund.clone()),
        }
        Ok(())
    }

    fn merge_client(&mut self, update: &ClientUpdate, at: DateTime<Utc>) -> Client {
        let client = self
            .clients
            .entry(update.phone.clone())
            .and_modify(|client| {
                client.merge(update, at);
            })
            .or_insert_with(|| Client::new(update, at));
        client.clone()
    }

    /// Stores `event` unless its idempotency key is known; an event whose
    /// id is taken is refused, as a database's primary key would.
    fn insert_event(&mut self, event: &WebhookEvent) -> Result<(WebhookEvent, bool), StoreError> {
        if let Some(stored) = self
            .webhook_events
            .iter()
            .find(|e| e.idempotency_key == event.idempotency_key)
        {
            return Ok((stored.clone(), false));
        }
        if self.webhook_events.iter().any(|e| e.id == event.id) {
            return Err(StoreError::Duplicate {
                entity: "webhook event",
                key: event.id.to_string(),
            });
        }
        self.webhook_events.push(event.clone());
        Ok((event.clone(), true))
    }

    /// Claims up to `limit_to` unclaimed events that `due` accepts, oldest first.
    fn claim_events(
        &mut self,
        limit_to: u64,
        now: DateTime<Utc>,
        lease: Duration,
        due: impl Fn(&WebhookEvent) -> bool,
    ) -> Vec<WebhookEvent> {
        let claims = &self.event_claims;
        let mut claimed: Vec<WebhookEvent> = self
            .webhook_events
            .iter()
            .filter(|e| due(e))
            .filter(|e| claims.get(&e.id).is_none_or(|until| *until <= now))
            .cloned()
            .collect();
        claimed.sort_by_key(|e| (e.received_at, e.id.to_string()));
        claimed.truncate(limit(limit_to));
        for event in &claimed {
            self.event_claims.insert(event.id, now + lease);
        }
        claimed
    }

    fn event_mut(&mut self, id: WebhookEventId) -> Result<&mut WebhookEvent, StoreError> {
        self.webhook_events
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "webhook event",
                key: id.to_string(),
            })
    }

    /// Applies one step's write; the caller swaps the copy in only on success.
    fn apply(
        &mut self,
        before: Option<&PaymentRecord>,
        write: &PaymentWrite,
    ) -> Result<(), StoreError> {
        let same = before.is_some_and(|r| r.payment.ecommerce_id == write.payment.ecommerce_id);
        self.save_payment(&write.payment, !same)?;
        for refund in &write.refunds {
            self.save_refund(refund)?;
        }
        if let Some(update) = &write.client {
            self.merge_client(update, write.payment.updated_at);
        }
        for event in &write.events {
            self.next_outbox_id += 1;
            let stored = StoredLifecycleEvent {
                id: self.next_outbox_id,
                event: event.clone(),
                attempts: 0,
                last_error: None,
            };
            self.outbox.push(OutboxRow {
                stored,
                delivered: false,
                claimed_until: None,
                next_attempt_at: None,
            });
        }
        if let Some(id) = write.processed_event {
            let event = self.event_mut(id)?;
            event.status = EventStatus::Processed;
            event.error = None;
            event.attempts += 1;
            event.processed_at = Some(SystemClock.now());
        }
        Ok(())
    }
}

/// The admin listings' text search: case-insensitive "contains", plus an
/// exact phone match for text that spells a phone number in any format.
struct Search {
    text: String,
    phone: Option<PhoneNumber>,
}

impl Search {
    fn new<S>(query: &ListQuery<S>) -> Option<Search> {
        let text = query.search.as_deref()?.trim();
        (!text.is_empty()).then(|| Search {
            text: text.to_lowercase(),
            phone: text.parse().ok(),
        })
    }

    fn matches(&self, fields: &[&str], phone: Option<&PhoneNumber>) -> bool {
        fields.iter().any(|f| f.to_lowercase().contains(&self.text))
            || phone
                .is_some_and(|p| p.as_str().contains(&self.text) || self.phone.as_ref() == Some(p))
    }
}

fn in_range<S>(at: DateTime<Utc>, query: &ListQuery<S>) -> bool {
    query.from.is_none_or(|from| at >= from) && query.to.is_none_or(|to| at < to)
}

/// Sorts newest first by `key` and cuts the requested page.
fn page<T, K: Ord, S>(mut rows: Vec<T>, query: &ListQuery<S>, key: impl Fn(&T) -> K) -> Page<T> {
    rows.sort_by_key(|row| std::cmp::Reverse(key(row)));
    let per_page = query.per_page.clamp(1, 500);
    let skip = query.page.max(1).saturating_sub(1).saturating_mul(per_page);
    let total = rows.len() as u64;
    let items = rows
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(per_page).unwrap_or(usize::MAX))
        .collect();
    Page { items, total }
}

fn limit(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[async_trait]
impl PaymentStore for MemoryStore {
    async fn insert_payment(&self, payment: &Payment) -> Result<(), StoreError> {
        self.tables().save_payment(payment, true)
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, StoreError> {
        Ok(self.tables().record(key))
    }

    async fn update_payment(
        &self,
        key: &PaymentKey,
        decide: &Decide,
    ) -> Result<StepOutcome, StoreError> {
        let mut tables = self.tables();
        let before = tables.record(key);
        let written = decide(before.as_ref())?;
        if let Some(write) = &written {
            // All or nothing: write a copy, swap it in when every write succeeded.
            let mut copy = tables.clone();
            copy.apply(before.as_ref(), write)?;
            *tables = copy;
        }
        Ok(StepOutcome { before, written })
    }

    async fn payments_in_status(
        &self,
        statuses: &[PaymentStatus],
        after: Option<PaymentCursor>,
        limit_to: u64,
    ) -> Result<Vec<Payment>, StoreError> {
        let mut found: Vec<Payment> = self
            .tables()
            .payments
            .values()
            .filter(|p| statuses.contains(&p.status))
            .filter(|p| after.is_none_or(|cursor| PaymentCursor::of(p) > cursor))
            .cloned()
            .collect();
        found.sort_by_key(PaymentCursor::of);
        found.truncate(limit(limit_to));
        Ok(found)
    }

    async fn pending_refunds(&self) -> Result<Vec<Refund>, StoreError> {
        let mut pending: Vec<Refund> = self
            .tables()
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Pending)
            .cloned()
            .collect();
        pending.sort_by_key(|r| (r.created_at, r.id.to_string()));
        Ok(pending)
    }

    async fn checkout_attempt(
        &self,
        key: &CheckoutKey,
    ) -> Result<Option<CheckoutAttempt>, StoreError> {
        let tables = self.tables();
        let attempts = tables.checkouts.get(key).map_or(&[][..], Vec::as_slice);
        let Some((claimed_at, id, _)) = attempts.last() else {
            return Ok(None);
        };
        Ok(Some(CheckoutAttempt {
            attempt: (attempts.len() - 1) as u32,
            claimed_at: *claimed_at,
            payment: id.and_then(|id| tables.record(&PaymentKey::Ecommerce(id))),
        }))
    }

    async fn claim_checkout(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        over_stale: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let attempts = tables.checkouts.entry(key.clone()).or_default();
        if over_stale {
            // The stale claim is fenced: it can no longer take a payment.
            match attempts.last_mut() {
                Some(stale) if stale.1.is_none() && !stale.2 => stale.2 = true,
                _ => {
                    return Err(StoreError::Duplicate {
                        entity: "checkout attempt",
                        key: format!("{key} #{attempt}"),
                    });
                }
            }
        }
        if attempts.len() != attempt as usize {
            return Err(StoreError::Duplicate {
                entity: "checkout attempt",
                key: format!("{key} #{attempt}"),
            });
        }
        attempts.push((now, None, false));
        Ok(())
    }

    async fn insert_checkout_payment(
        &self,
        key: &CheckoutKey,
        attempt: u32,
        payment: &Payment,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let claimed = tables
            .checkouts
            .get(key)
            .and_then(|attempts| attempts.get(attempt as usize))
            .is_some_and(|(_, id, fenced)| id.is_none() && !fenced);
        if !claimed {
            return Err(StoreError::NotFound {
                entity: "claimed checkout attempt",
                key: format!("{key} #{attempt}"),
            });
        }
        tables.save_payment(payment, true)?;
        if let Some(slot) = tables
            .checkouts
            .get_mut(key)
            .and_then(|attempts| attempts.get_mut(attempt as usize))
        {
            slot.1 = Some(payment.ecommerce_id);
        }
        Ok(())
    }

    async fn release_checkout(&self, key: &CheckoutKey, attempt: u32) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if let Some(attempts) = tables.checkouts.get_mut(key)
            && attempts.len() == attempt as usize + 1
            && attempts.last().is_some_and(|(_, id, _)| id.is_none())
        {
            attempts.pop();
        }
        Ok(())
    }

    async fn record_unlinked(&self, transaction: &UnlinkedTransaction) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let known = tables.unlinked.get(&transaction.reference_number);
        let Some(write) = known.map_or(Some(transaction.clone()), |k| k.updated_by(transaction))
        else {
            return Ok(false);
        };
        tables
            .unlinked
            .insert(transaction.reference_number.clone(), write);
        Ok(true)
    }

    async fn customer_payments(
        &self,
        phone: &PhoneNumber,
        limit_to: u64,
    ) -> Result<Page<Payment>, StoreError> {
        let query = ListQuery {
            search: Some(phone.as_str().to_string()),
            status: Some(PaymentStatus::Completed),
            per_page: limit_to,
            ..ListQuery::default()
        };
        self.list_payments(&query).await
    }

    async fn customer_unlinked(
        &self,
        phone: &PhoneNumber,
        limit_to: u64,
    ) -> Result<Page<UnlinkedTransaction>, StoreError> {
        let query = ListQuery {
            search: Some(phone.as_str().to_string()),
            status: Some(UnlinkedKind::Payment),
            per_page: limit_to,
            ..ListQuery::default()
        };
        self.list_unlinked(&query).await
    }
}

#[async_trait]
impl WebhookInbox for MemoryStore {
    async fn insert_webhook_event(
        &self,
        event: &WebhookEvent,
    ) -> Result<(WebhookEvent, bool), StoreError> {
        self.tables().insert_event(event)
    }

    async fn insert_webhook_events(&self, events: &[WebhookEvent]) -> Vec<InsertResult> {
        // One lock for the whole batch: all of it lands at once, like one
        // transaction, and each event still gets its own answer.
        let mut tables = self.tables();
        events
            .iter()
            .map(|event| tables.insert_event(event))
            .collect()
    }

    async fn webhook_event(&self, id: WebhookEventId) -> Result<Option<WebhookEvent>, StoreError> {
        Ok(self
            .tables()
            .webhook_events
            .iter()
            .find(|e| e.id == id)
            .cloned())
    }

    async fn record_event_outcome(
        &self,
        id: WebhookEventId,
        status: EventStatus,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        tables.event_claims.remove(&id);
        let event = tables.event_mut(id)?;
        event.status = status;
        event.error = error;
        event.attempts += 1;
        if status == EventStatus::Processed {
            event.processed_at = Some(at);
        }
        let recheck = match status {
            EventStatus::Flagged => flagged_recheck_delay(event.attempts).map(|delay| at + delay),
            _ => None,
        };
        match recheck {
            Some(when) => tables.event_rechecks.insert(id, when),
            None => tables.event_rechecks.remove(&id),
        };
        Ok(())
    }

    async fn claim_events_to_retry(
        &self,
        limit_to: u64,
        received_before: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        // One lock around the whole claim: claimers get disjoint sets.
        let mut tables = self.tables();
        let rechecks = tables.event_rechecks.clone();
        Ok(tables.claim_events(limit_to, now, lease, |e| {
            let due = match e.status {
                EventStatus::Pending | EventStatus::Failed => true,
                EventStatus::Flagged => rechecks.get(&e.id).is_some_and(|at| *at <= now),
                EventStatus::Processed => false,
            };
            due && e.received_at <= received_before
        }))
    }

    async fn claim_flagged_events(
        &self,
        which: &FlaggedEvents,
        limit_to: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        Ok(self.tables().claim_events(limit_to, now, lease, |e| {
            e.status == EventStatus::Flagged
                && match which {
                    FlaggedEvents::All => true,
                    FlaggedEvents::Only(ids) => ids.contains(&e.id),
                }
        }))
    }
}

#[async_trait]
impl Outbox for MemoryStore {
    async fn claim_lifecycle_events(
        &self,
        limit_to: u64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<StoredLifecycleEvent>, StoreError> {
        let mut tables = self.tables();
        // Walk the outbox in order; a payment whose head cannot be claimed
        // (claimed elsewhere, backing off, or past the limit) blocks its
        // later events.
        let mut blocked = HashSet::new();
        let mut claimed = Vec::new();
        for row in tables.outbox.iter_mut().filter(|r| !r.delivered) {
            let payment = row.stored.event.ecommerce_id;
            if blocked.contains(&payment) {
                continue;
            }
            let free = row.claimed_until.is_none_or(|until| until <= now);
            let due = row.next_attempt_at.is_none_or(|at| at <= now);
            if free && due && claimed.len() < limit(limit_to) {
                row.claimed_until = Some(now + lease);
                claimed.push(row.stored.clone());
            } else {
                blocked.insert(payment);
            }
        }
        Ok(claimed)
    }

    async fn record_lifecycle_delivery(
        &self,
        id: i64,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let row = tables
            .outbox
            .iter_mut()
            .find(|r| r.stored.id == id)
            .ok_or_else(|| StoreError::NotFound {
                entity: "lifecycle event",
                key: id.to_string(),
            })?;
        row.stored.attempts += 1;
        row.claimed_until = None;
        row.delivered = error.is_none();
        if error.is_some() {
            row.next_attempt_at = Some(at + redelivery_delay(row.stored.attempts));
        }
        row.stored.last_error = error.clone();
        let payment = row.stored.event.ecommerce_id;
        if error.is_some() {
            // The payment's later events wait for this one.
            for later in tables
                .outbox
                .iter_mut()
                .filter(|r| r.stored.event.ecommerce_id == payment && r.stored.id > id)
            {
                later.claimed_until = None;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AdminQueries for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn list_payments(
        &self,
        query: &ListQuery<PaymentStatus>,
    ) -> Result<Page<Payment>, StoreError> {
        let status = query.status;
        let search = Search::new(query);
        let rows = self
            .tables()
            .payments
            .values()
            .filter(|p| status.is_none_or(|s| p.status == s) && in_range(p.created_at, query))
            .filter(|p| {
                search.as_ref().is_none_or(|s| {
                    let reference = p.reference_number.as_ref().map_or("", |r| r.as_str());
                    let id = p.ecommerce_id.to_string();
                    let fields = [
                        reference,
                        &id,
                        &p.customer_name,
                        &p.customer_email,
                        p.metadata_1.as_str(),
                        p.metadata_2.as_str(),
                    ];
                    s.matches(&fields, p.customer_phone.as_ref())
                })
            })
            .cloned()
            .collect();
        Ok(page(rows, query, |p| {
            (p.created_at, p.ecommerce_id.to_string())
        }))
    }

    async fn list_refunds(
        &self,
        query: &ListQuery<RefundStatus>,
    ) -> Result<Page<Refund>, StoreError> {
        let status = query.status;
        let search = Search::new(query);
        let rows = self
            .tables()
            .refunds
            .iter()
            .filter(|r| status.is_none_or(|s| r.status == s) && in_range(r.created_at, query))
            .filter(|r| {
                search.as_ref().is_none_or(|s| {
                    let reference = r.reference_number.as_ref().map_or("", |n| n.as_str());
                    let id = r.ecommerce_id.to_string();
                    let fields = [
                        reference,
                        &id,
                        &r.customer_name,
                        &r.customer_email,
                        r.message.as_str(),
                    ];
                    s.matches(&fields, r.customer_phone.as_ref())
                })
            })
            .cloned()
            .collect();
        Ok(page(rows, query, |r| (r.created_at, r.id.to_string())))
    }

    async fn list_unlinked(
        &self,
        query: &ListQuery<UnlinkedKind>,
    ) -> Result<Page<UnlinkedTransaction>, StoreError> {
        let search = Search::new(query);
        let tables = self.tables();
        let taken: HashSet<&ReferenceNumber> = (tables.payments.values())
            .filter_map(|p| p.reference_number.as_ref())
            .chain(
                tables
                    .refunds
                    .iter()
                    .filter_map(|r| r.reference_number.as_ref()),
            )
            .collect();
        let rows = tables
            .unlinked
            .values()
            .filter(|t| !taken.contains(&t.reference_number))
            .filter(|t| {
                query
                    .status
                    .is_none_or(|kind| kind.holds(t.transaction_type.clone()))
            })
            .filter(|t| {
                (query.from.is_none() && query.to.is_none())
                    || t.date.is_some_and(|d| in_range(d, query))
            })
            .filter(|t| {
                search.as_ref().is_none_or(|s| {
                    let fields = [
                        t.reference_number.as_str(),
                        &t.customer_name,
                        &t.customer_email,
                        &t.metadata_1,
                        &t.metadata_2,
                        &t.message,
                    ];
                    s.matches(&fields, t.customer_phone.as_ref())
                })
            })
            .cloned()
            .collect();
        // Newest first by ATH Móvil's date, rows without a date last.
        Ok(page(rows, query, |t| {
            (t.date.is_some(), t.date, t.reference_number.clone())
        }))
    }

    async fn list_clients(&self, query: &ListQuery<NoStatus>) -> Result<Page<Client>, StoreError> {
        let search = Search::new(query);
        let rows = self
            .tables()
            .clients
            .values()
            .filter(|c| in_range(c.created_at, query))
            .filter(|c| {
                search
                    .as_ref()
                    .is_none_or(|s| s.matches(&[&c.name, &c.email], Some(&c.phone)))
            })
            .cloned()
            .collect();
        Ok(page(rows, query, |c| {
            (c.created_at, c.phone.as_str().to_string())
        }))
    }

    async fn events_for_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<Vec<WebhookEvent>, StoreError> {
        let mut timeline: Vec<WebhookEvent> = self
            .tables()
            .webhook_events
            .iter()
            .filter(|e| e.ecommerce_id.as_ref() == Some(ecommerce_id))
            .cloned()
            .collect();
        timeline.sort_by_key(|e| (e.received_at, e.id.to_string()));
        Ok(timeline)
    }

    async fn list_webhook_events(
        &self,
        query: &ListQuery<EventStatus>,
    ) -> Result<Page<WebhookEvent>, StoreError> {
        let status = query.status;
        let search = Search::new(query);
        let rows = self
            .tables()
            .webhook_events
            .iter()
            .filter(|e| status.is_none_or(|s| e.status == s) && in_range(e.received_at, query))
            .filter(|e| {
                search.as_ref().is_none_or(|s| {
                    let id = e.ecommerce_id.map(|i| i.to_string()).unwrap_or_default();
                    let reference = e.reference_number.as_ref().map_or("", |r| r.as_str());
                    let fields = [
                        &e.idempotency_key,
                        &id,
                        reference,
                        e.kind.as_str(),
                        &e.payload,
                    ];
                    s.matches(&fields, None)
                })
            })
            .cloned()
            .collect();
        Ok(page(rows, query, |e| (e.received_at, e.id.to_string())))
    }
}

#[async_trait]
impl ClientStore for MemoryStore {
    async fn upsert_client(
        &self,
        update: &ClientUpdate,
        at: DateTime<Utc>,
    ) -> Result<Client, StoreError> {
        Ok(self.tables().merge_client(update, at))
    }

    async fn client(&self, phone: &PhoneNumber) -> Result<Option<Client>, StoreError> {
        Ok(self.tables().clients.get(phone).cloned())
    }
}

#[tokio::main]
async fn main() {
    // 1. The adapter passes the Store conformance suite (it panics otherwise).
    athm_store::conformance::run_all(|| async {
        Arc::new(MemoryStore::default()) as Arc<dyn Store>
    })
    .await;
    let cases = athm_store::conformance::cases().len();
    println!("MemoryStore passed all {cases} cases of the Store conformance suite");

    // 2. The domain's services run on it like on any other store: a payment
    // completed at ATH Móvil (here the local sandbox), announced by a webhook
    // that the processor checks with ATH Móvil before recording it.
    let sandbox = Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("the sandbox starts");
    let gateway: Arc<dyn AthmGateway> = Arc::new(
        AthmClient::new(
            ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN)
                .with_base_url(sandbox.base_url()),
        )
        .expect("a client"),
    );
    let request = PaymentRequest::new("3.00".parse().expect("a total"));
    let (ecommerce_id, auth_token) = gateway.create_payment(&request).await.expect("created");
    sandbox
        .handle()
        .confirm(ecommerce_id.uuid(), CustomerInput::default())
        .expect("the customer confirms");
    let completed = gateway.authorize(&auth_token).await.expect("authorized");
    let reference = completed.reference_number.expect("a reference number");

    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let webhooks = athm_domain::services::WebhookProcessor::new(
        gateway,
        store.clone(),
        store.clone(),
        Arc::new(SystemClock),
    );
    let body = format!(
        r#"{{"transactionType":"ECOMMERCE","status":"COMPLETED","ecommerceId":"{ecommerce_id}","referenceNumber":"{reference}","date":"2025-12-08 16:30:52","total":3,"name":"Test Customer","phoneNumber":7875551234,"email":"customer@example.com","items":[]}}"#
    );
    let (event, created) = webhooks.store_event(body.as_bytes()).await.expect("stored");
    assert!(created, "a new event is stored");
    let outcome = webhooks.process(&event).await.expect("processed");
    assert_eq!(outcome, athm_domain::services::ProcessOutcome::Applied);
    let payment = store
        .payment(&PaymentKey::Ecommerce(ecommerce_id))
        .await
        .expect("loaded")
        .expect("the webhook recorded the payment");
    assert_eq!(payment.payment.status, PaymentStatus::Completed);
    assert_eq!(payment.payment.total.to_string(), "3.00");
    println!(
        "WebhookProcessor recorded payment {} as COMPLETED in MemoryStore",
        payment.payment.ecommerce_id
    );
}
