//! After a run: let it settle, then compare athm's books with ATH Móvil's
//! ledger (the sandbox's), which is the truth.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use athm_domain::ports::{ListQuery, PaymentKey, PaymentRecord, Store};
use athm_domain::webhook::{EventStatus, WebhookEvent};
use athm_domain::{EcommerceId, Payment, PaymentStatus, ReferenceNumber, RefundStatus};
use athm_sandbox::{PaymentStatus as Remote, Refund as RemoteRefund};
use serde_json::Value;
use tokio::time::Instant;
use uuid::Uuid;

use crate::world::World;

/// What a check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A payment ATH Móvil completed is neither stored here nor recorded
    /// unlinked (made elsewhere) under its reference number.
    Missing,
    /// athm's status differs from ATH Móvil's.
    Status,
    /// athm's refunded total differs from ATH Móvil's.
    RefundedTotal,
    /// athm's completed refunds (reference, amount) differ from ATH
    /// Móvil's beyond the refunds it could not attribute (listed unlinked
    /// for a person): one on the wrong payment, one ATH Móvil does not have,
    /// or one neither recorded nor listed.
    Refunds,
    /// athm stores a payment ATH Móvil never had.
    Phantom,
    /// One refund intent reached ATH Móvil more than once.
    IntentTwice,
    /// A caller was told of a completed refund ATH Móvil does not have (or not for its intent).
    FalseAnswer,
    /// athm's refund of a reference carries another refund's intent (message).
    Misattributed,
    /// A genuine event is neither processed nor is its effect in the books.
    Unapplied,
    /// An action did not finish in time (an answer that never came).
    Stuck,
}

impl Kind {
    /// Its name on the command line (`ATHM_SIM_SHRINK_FOR`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Status => "status",
            Kind::RefundedTotal => "refunded-total",
            Kind::Refunds => "refunds",
            Kind::Phantom => "phantom",
            Kind::IntentTwice => "intent-twice",
            Kind::FalseAnswer => "false-answer",
            Kind::Misattributed => "misattributed",
            Kind::Unapplied => "unapplied",
            Kind::Stuck => "stuck",
        }
    }

    /// Whether waiting may cure it (the mirror catching up), unlike what
    /// already happened at ATH Móvil or was told to a caller.
    pub fn may_settle(self) -> bool {
        matches!(
            self,
            Kind::Missing | Kind::Status | Kind::RefundedTotal | Kind::Refunds | Kind::Unapplied
        )
    }

    /// Reads a [`Kind::name`].
    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::Missing,
            Kind::Status,
            Kind::RefundedTotal,
            Kind::Refunds,
            Kind::Phantom,
            Kind::IntentTwice,
            Kind::FalseAnswer,
            Kind::Misattributed,
            Kind::Unapplied,
            Kind::Stuck,
        ]
        .into_iter()
        .find(|k| k.name() == text.trim())
    }
}

/// One thing wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: Kind,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.kind.name(), self.detail)
    }
}

/// Ends the run's disorder and lets everything settle: faults cleared,
/// webhooks delivered once to the app, nothing new sent; then what an
/// operator runs (sync, settling pending refunds, reprocessing), twice.
pub async fn settle(world: &mut World) {
    world.sandbox.faults().clear_all();
    world.sandbox.set_webhook_copies(1);
    world.lose_webhooks(false);
    quiet_deliveries(world).await;
    // The report has whole seconds and is never read past now.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    drain(world).await;
    for round in 0..2 {
        let synced = world.sync().await;
        let settled = world.services.reconciler.settle_pending_refunds().await;
        world.note(format!(
            "settle {round}: sync {synced:?}, pending refunds {settled:?}"
        ));
        if round == 0 {
            let reprocessed = world.cli(&["webhooks", "reprocess"]).await;
            world.note(format!("settle {round}: reprocess {reprocessed:?}"));
        }
    }
    quiet_deliveries(world).await;
    drain(world).await;
}

/// Waits (at most 5 s) until the sandbox made no delivery attempt for half a second.
async fn quiet_deliveries(world: &World) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = world.sandbox.deliveries().len();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = world.sandbox.deliveries().len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

/// Waits (at most 10 s) until no stored webhook event is pending.
async fn drain(world: &World) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let pending = events(world.app.store())
            .await
            .iter()
            .any(|e| e.status == EventStatus::Pending);
        if !pending {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The checks, repeated for `patience` until they hold (athm's mirror is
/// eventually consistent: the watcher and the webhook queue may still be
/// finishing), then what still fails.
pub async fn verdict(world: &World, patience: Duration) -> Vec<Violation> {
    let deadline = Instant::now() + patience;
    loop {
        let found = check(world).await;
        let may_settle = found.iter().any(|v| v.kind.may_settle());
        if !may_settle || Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Every check once.
pub async fn check(world: &World) -> Vec<Violation> {
    let store = world.app.store();
    let ledger = world.sandbox.payments();
    let refunds = world.sandbox.refunds();
    let unlinked = unlinked(store).await;
    let mut found = Vec::new();
    let mut records = HashMap::new();
    for remote in &ledger {
        let record = record(
            store,
            PaymentKey::Ecommerce(EcommerceId::new(remote.ecommerce_id)),
        )
        .await;
        books(remote, record.as_ref(), &refunds, &unlinked, &mut found);
        if let Some(record) = record {
            records.insert(remote.ecommerce_id, record);
        }
    }
    phantoms(store, &ledger, &mut found).await;
    intents(world, &refunds, &mut found);
    answers(world, &refunds, &mut found);
    attribution(&records, &refunds, &mut found);
    genuine_events(world, &records, &refunds, &unlinked, &mut found).await;
    found
}

fn violation(found: &mut Vec<Violation>, kind: Kind, detail: String) {
    found.push(Violation { kind, detail });
}

/// `Decimal` with two places, as athm's `Amount` prints.
fn two(amount: rust_decimal::Decimal) -> String {
    format!("{amount:.2}")
}

/// One payment: athm's status, refunded total and completed refunds
/// against ATH Móvil's. Production's report names a transaction by its
/// reference number only: a payment athm never made, and a refund it cannot
/// tie to one payment, are recorded unlinked (`unlinked`) for a person.
fn books(
    remote: &athm_sandbox::Payment,
    record: Option<&PaymentRecord>,
    refunds: &[RemoteRefund],
    unlinked: &HashSet<String>,
    found: &mut Vec<Violation>,
) {
    let id = remote.ecommerce_id;
    let Some(record) = record else {
        let listed = remote
            .reference_number
            .as_ref()
            .is_some_and(|r| unlinked.contains(r));
        if remote.status == Remote::Completed && !listed {
            violation(
                found,
                Kind::Missing,
                format!(
                    "payment {id} is COMPLETED at ATH Móvil (total {}), neither stored here nor listed unlinked",
                    two(remote.total)
                ),
            );
        }
        return;
    };
    let ours = &record.payment;
    let agrees = match remote.status {
        Remote::Open => ours.status == PaymentStatus::Open,
        Remote::Confirm => ours.status == PaymentStatus::Confirm,
        Remote::Completed => ours.status == PaymentStatus::Completed,
        Remote::Cancelled | Remote::Expired => {
            matches!(ours.status, PaymentStatus::Cancel | PaymentStatus::Expired)
        }
    };
    if !agrees {
        violation(
            found,
            Kind::Status,
            format!(
                "payment {id}: {} here, {:?} at ATH Móvil",
                ours.status, remote.status
            ),
        );
    }
    if remote.status == Remote::Completed
        && ours.reference_number.as_ref().map(ReferenceNumber::as_str)
            != remote.reference_number.as_deref()
    {
        violation(
            found,
            Kind::Status,
            format!(
                "payment {id}: reference {:?} here, {:?} at ATH Móvil",
                ours.reference_number, remote.reference_number
            ),
        );
    }
    if ours.total_refunded_amount.to_string() != two(remote.total_refunded) {
        violation(
            found,
            Kind::RefundedTotal,
            format!(
                "payment {id}: {} refunded here, {} at ATH Móvil",
                ours.total_refunded_amount,
                two(remote.total_refunded)
            ),
        );
    }
    let mut here: Vec<(String, String)> = record
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Completed)
        .map(|r| {
            (
                r.reference_number
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                r.amount.to_string(),
            )
        })
        .collect();
    let mut there: Vec<(String, String)> = refunds
        .iter()
        .filter(|r| r.ecommerce_id == id)
        .map(|r| (r.reference_number.clone(), two(r.amount)))
        .collect();
    here.sort();
    there.sort();
    if !refunds_agree(&here, &there, unlinked) {
        let pending: Vec<String> = record
            .refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Completed)
            .map(|r| format!("{} {} {}", r.status, r.amount, r.message.as_str()))
            .collect();
        violation(
            found,
            Kind::Refunds,
            format!(
                "payment {id}: completed refunds here {here:?}, at ATH Móvil {there:?} (others here: {pending:?})"
            ),
        );
    }
}

/// Whether athm's completed refunds of a payment (`here`: reference, or
/// empty when settled by ATH Móvil's totals alone, and amount) agree with
/// ATH Móvil's (`there`): every referenced one is ATH Móvil's for this
/// payment; each of ATH Móvil's is recorded here, or listed unlinked (then
/// at most one unreferenced refund here of its amount stands for it).
fn refunds_agree(
    here: &[(String, String)],
    there: &[(String, String)],
    unlinked: &HashSet<String>,
) -> bool {
    if here
        .iter()
        .any(|(r, _)| !r.is_empty() && !there.iter().any(|(t, _)| t == r))
    {
        return false;
    }
    let mut unreferenced: Vec<&String> = here
        .iter()
        .filter(|(r, _)| r.is_empty())
        .map(|(_, amount)| amount)
        .collect();
    for (reference, amount) in there {
        if here.iter().any(|(r, _)| r == reference) {
            continue;
        }
        if !unlinked.contains(reference) {
            return false;
        }
        if let Some(i) = unreferenced.iter().position(|a| *a == amount) {
            unreferenced.remove(i);
        }
    }
    unreferenced.is_empty()
}

/// The reference numbers of every unlinked transaction athm recorded.
async fn unlinked(store: &dyn Store) -> HashSet<String> {
    every(|query| async move {
        let page = store.list_unlinked(&query).await;
        page.expect("list unlinked transactions").items
    })
    .await
    .into_iter()
    .map(|u| u.reference_number.to_string())
    .collect()
}

/// Payments stored here that ATH Móvil never had.
async fn phantoms(store: &dyn Store, ledger: &[athm_sandbox::Payment], found: &mut Vec<Violation>) {
    let known: HashSet<Uuid> = ledger.iter().map(|p| p.ecommerce_id).collect();
    for payment in payments(store).await {
        if !known.contains(&payment.ecommerce_id.uuid()) {
            violation(
                found,
                Kind::Phantom,
                format!(
                    "payment {} is {} here (refunded {}), unknown to ATH Móvil",
                    payment.ecommerce_id, payment.status, payment.total_refunded_amount
                ),
            );
        }
    }
}

/// Each intent (its tag is the refund's message) reached ATH Móvil at most once.
fn intents(world: &World, refunds: &[RemoteRefund], found: &mut Vec<Violation>) {
    let mut per_tag: BTreeMap<&str, Vec<&RemoteRefund>> = BTreeMap::new();
    for refund in refunds {
        per_tag
            .entry(refund.message.as_str())
            .or_default()
            .push(refund);
    }
    for (tag, intent) in &world.intents {
        let Some(made) = per_tag.get(tag.as_str()) else {
            continue;
        };
        if made.len() > 1 {
            let amounts: Vec<String> = made.iter().map(|r| two(r.amount)).collect();
            violation(
                found,
                Kind::IntentTwice,
                format!(
                    "intent {tag} ({:?}, action #{}, {} calls) was refunded {} times at ATH Móvil for payment {}: {amounts:?}",
                    intent.via,
                    intent.action,
                    intent.calls,
                    made.len(),
                    intent.payment
                ),
            );
        }
    }
}

/// A completed refund told to a caller is ATH Móvil's refund of that intent.
fn answers(world: &World, refunds: &[RemoteRefund], found: &mut Vec<Violation>) {
    for answer in &world.answers {
        let real = refunds
            .iter()
            .find(|r| Some(&r.reference_number) == answer.reference.as_ref());
        let true_answer =
            real.is_some_and(|r| two(r.amount) == answer.amount && r.message == answer.tag);
        if !true_answer {
            violation(
                found,
                Kind::FalseAnswer,
                format!(
                    "action #{} was told intent {} completed as {:?} for {}; ATH Móvil has {:?}",
                    answer.action,
                    answer.tag,
                    answer.reference,
                    answer.amount,
                    real.map(|r| (&r.message, two(r.amount)))
                ),
            );
        }
    }
}

/// athm's completed refund of a reference carries that refund's message
/// (the intent that made it, or the Business app's), when both have one.
fn attribution(
    records: &HashMap<Uuid, PaymentRecord>,
    refunds: &[RemoteRefund],
    found: &mut Vec<Violation>,
) {
    let by_reference: HashMap<&str, &RemoteRefund> = refunds
        .iter()
        .map(|r| (r.reference_number.as_str(), r))
        .collect();
    for record in records.values() {
        for ours in record
            .refunds
            .iter()
            .filter(|r| r.status == RefundStatus::Completed)
        {
            let Some(reference) = &ours.reference_number else {
                continue;
            };
            let Some(theirs) = by_reference.get(reference.as_str()) else {
                continue;
            };
            let message = ours.message.as_str();
            if !message.is_empty() && message != theirs.message {
                violation(
                    found,
                    Kind::Misattributed,
                    format!(
                        "payment {}: refund {reference} of {} is intent {message:?} here, but ATH Móvil made it for {:?}",
                        record.payment.ecommerce_id, ours.amount, theirs.message
                    ),
                );
            }
        }
    }
}

/// Every genuine delivery athm stored ended processed, or its effect is in the books.
async fn genuine_events(
    world: &World,
    records: &HashMap<Uuid, PaymentRecord>,
    refunds: &[RemoteRefund],
    unlinked: &HashSet<String>,
    found: &mut Vec<Violation>,
) {
    let genuine = world.genuine();
    for event in events(world.app.store()).await {
        if event.status == EventStatus::Processed {
            continue;
        }
        let Ok(body) = serde_json::from_str::<Value>(&event.payload) else {
            continue;
        };
        if !genuine.contains(&body) {
            continue;
        }
        if !effect_is_there(&body, records, refunds, unlinked) {
            violation(
                found,
                Kind::Unapplied,
                format!(
                    "genuine {} is {} ({}) and its effect is not in the books",
                    crate::actions::describe(&body),
                    event.status.as_str(),
                    event.error.unwrap_or_default()
                ),
            );
        }
    }
}

/// Whether a genuine event's effect is in the books: its refund recorded
/// (or listed unlinked for a person, when ATH Móvil's report cannot tie it
/// to one payment), its payment in the status it announced.
fn effect_is_there(
    body: &Value,
    records: &HashMap<Uuid, PaymentRecord>,
    refunds: &[RemoteRefund],
    unlinked: &HashSet<String>,
) -> bool {
    let text = |field: &str| body[field].as_str().unwrap_or_default().to_string();
    let status = text("status").to_ascii_lowercase();
    if text("transactionType").eq_ignore_ascii_case("refund") {
        let own = [text("referenceNumber"), text("referenceTransactionId")]
            .into_iter()
            .find(|r| refunds.iter().any(|x| &x.reference_number == r));
        let Some(own) = own else {
            // The live shape names the payment only: its effect is the
            // payment's refunded total, which the books check compares.
            return true;
        };
        return unlinked.contains(&own)
            || records.values().any(|record| {
                record.refunds.iter().any(|r| {
                    r.status == RefundStatus::Completed
                        && r.reference_number.as_ref().map(ReferenceNumber::as_str)
                            == Some(own.as_str())
                })
            });
    }
    let by_id = text("ecommerceId")
        .parse::<Uuid>()
        .ok()
        .and_then(|id| records.get(&id));
    let reference = text("referenceNumber");
    let by_reference = || {
        records.values().find(|r| {
            !reference.is_empty()
                && r.payment
                    .reference_number
                    .as_ref()
                    .map(ReferenceNumber::as_str)
                    == Some(reference.as_str())
        })
    };
    let Some(ours) = by_id.or_else(by_reference) else {
        // The documented shape names no ecommerceId: a completion of a
        // payment made elsewhere is in the books as an unlinked transaction
        // (recorded by sync); a cancellation or expiry names no payment athm
        // could check (no reference yet), and the books check compares the
        // payment's status with ATH Móvil's.
        return status != "completed" || unlinked.contains(&reference);
    };
    match status.as_str() {
        "completed" => ours.payment.status == PaymentStatus::Completed,
        _ => matches!(
            ours.payment.status,
            PaymentStatus::Cancel | PaymentStatus::Expired
        ),
    }
}

async fn record(store: &dyn Store, key: PaymentKey) -> Option<PaymentRecord> {
    store.payment(&key).await.expect("the store answers")
}

/// Every row of a listing, read 500 a page.
async fn every<T, S, F, Fut>(mut page_of: F) -> Vec<T>
where
    F: FnMut(ListQuery<S>) -> Fut,
    Fut: std::future::Future<Output = Vec<T>>,
{
    let mut all = Vec::new();
    for page in 1.. {
        let items = page_of(ListQuery {
            page,
            per_page: 500,
            ..ListQuery::default()
        })
        .await;
        let done = items.len() < 500;
        all.extend(items);
        if done {
            break;
        }
    }
    all
}

/// Every stored payment.
async fn payments(store: &dyn Store) -> Vec<Payment> {
    every(|query| async move {
        let page = store.list_payments(&query).await;
        page.expect("list payments").items
    })
    .await
}

/// Every stored webhook event.
pub async fn events(store: &dyn Store) -> Vec<WebhookEvent> {
    every(|query| async move {
        let page = store.list_webhook_events(&query).await;
        page.expect("list webhook events").items
    })
    .await
}

/// The genuine deliveries athm stored that did not end processed (their
/// effect, if the checks pass, came another way: sync, another event): not
/// a violation, but worth counting.
pub async fn unprocessed_genuine(world: &World) -> Vec<String> {
    let genuine = world.genuine();
    events(world.app.store())
        .await
        .into_iter()
        .filter(|e| e.status != EventStatus::Processed)
        .filter_map(|e| {
            let body = serde_json::from_str::<Value>(&e.payload).ok()?;
            genuine.contains(&body).then(|| {
                format!(
                    "{} {}: {}",
                    crate::actions::describe(&body),
                    e.status.as_str(),
                    e.error.unwrap_or_default()
                )
            })
        })
        .collect()
}

/// The forged bodies athm stored that did not end flagged (a forgery
/// agreeing with ATH Móvil may be processed harmlessly; the checks decide).
pub async fn unflagged_forgeries(world: &World) -> Vec<String> {
    events(world.app.store())
        .await
        .into_iter()
        .filter(|e| e.status != EventStatus::Flagged)
        .filter_map(|e| {
            let body = serde_json::from_str::<Value>(&e.payload).ok()?;
            world
                .forged
                .contains(&body)
                .then(|| format!("{} {}", crate::actions::describe(&body), e.status.as_str()))
        })
        .collect()
}
