//! `PaymentStore::update_payment` and `PaymentStore::update_payments`: lock, decide,
//! write, in one transaction, for one step or a whole batch.
//!
//! A batch costs a fixed number of statements whatever its size (load and
//! lock its payments, items, refunds and clients; insert new payments,
//! items, clients and outbox rows with multi-row statements; mark its
//! webhook events processed with one update), plus one statement per
//! payment, refund or client that existed and changed.

use std::collections::{HashMap, HashSet};

use athm_domain::ports::{
    Decide, PaymentKey, PaymentRecord, PaymentWrite, StepOutcome, StepResult, StoreError,
};
use athm_domain::webhook::EventStatus;
use athm_domain::{ClientUpdate, LifecycleEvent, Payment, Refund, WebhookEventId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};

use super::INSERT_CHUNK;
use super::clients::merge_clients;
use super::payments::{self, load_records};
use super::step::{Failure, Step};
use crate::convert::{lifecycle_row, refund_row, time};
use crate::entities::{lifecycle_event, refund, webhook_event};

/// The step behind `Store::update_payment(s)`: the batch's steps, in order.
pub(crate) struct UpdatePayments<'a> {
    pub(crate) steps: Vec<(&'a PaymentKey, &'a Decide)>,
}

impl Step for UpdatePayments<'_> {
    type Output = Vec<StepResult>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Vec<StepResult>, Failure> {
        let keys: Vec<PaymentKey> = self.steps.iter().map(|(key, _)| (*key).clone()).collect();
        let mut batch = Batch::new(load_records(txn, &keys, true).await?);
        let results = self
            .steps
            .iter()
            .map(|(key, decide)| {
                let before = batch.get(key).cloned();
                let written = decide(before.as_ref()).map_err(StoreError::Rule)?;
                if let Some(write) = &written {
                    batch.apply(write);
                }
                Ok(StepOutcome { before, written })
            })
            .collect();
        batch.save(txn).await?;
        Ok(results)
    }
}

/// A batch's payments as loaded and as written so far, and what else its
/// writes asked for.
struct Batch {
    /// The locked records as loaded, by ecommerce id.
    loaded: HashMap<String, PaymentRecord>,
    /// The records as the batch's writes left them, by ecommerce id.
    current: HashMap<String, PaymentRecord>,
    /// Ecommerce ids by reference number, for the current records.
    by_reference: HashMap<String, String>,
    /// The ecommerce ids written, in the order first written.
    written: Vec<String>,
    clients: Vec<(ClientUpdate, DateTime<Utc>)>,
    events: Vec<LifecycleEvent>,
    processed: Vec<WebhookEventId>,
}

impl Batch {
    fn new(records: Vec<PaymentRecord>) -> Self {
        let loaded: HashMap<String, PaymentRecord> = records
            .into_iter()
            .map(|r| (r.payment.ecommerce_id.to_string(), r))
            .collect();
        let by_reference = loaded
            .iter()
            .filter_map(|(id, r)| {
                Some((r.payment.reference_number.as_ref()?.to_string(), id.clone()))
            })
            .collect();
        Self {
            current: loaded.clone(),
            loaded,
            by_reference,
            written: Vec::new(),
            clients: Vec::new(),
            events: Vec::new(),
            processed: Vec::new(),
        }
    }

    /// The payment `key` names, as the batch's earlier steps left it.
    fn get(&self, key: &PaymentKey) -> Option<&PaymentRecord> {
        match key {
            PaymentKey::Ecommerce(id) => self.current.get(&id.to_string()),
            PaymentKey::Reference(r) => self.current.get(self.by_reference.get(r.as_str())?),
            PaymentKey::Refund(_) => self.current.values().find(|r| r.is_named_by(key)),
        }
    }

    fn apply(&mut self, write: &PaymentWrite) {
        let id = write.payment.ecommerce_id.to_string();
        let before = self.current.remove(&id);
        if let Some(reference) = before
            .as_ref()
            .and_then(|r| r.payment.reference_number.as_ref())
        {
            self.by_reference.remove(reference.as_str());
        }
        if let Some(reference) = &write.payment.reference_number {
            self.by_reference.insert(reference.to_string(), id.clone());
        }
        if !self.written.contains(&id) {
            self.written.push(id.clone());
        }
        self.current.insert(id, PaymentRecord::after(before, write));
        if let Some(client) = &write.client {
            self.clients
                .push((client.clone(), write.payment.updated_at));
        }
        self.events.extend(write.events.iter().cloned());
        self.processed.extend(write.processed_event);
    }

    /// Writes the batch's net effect: each payment and refund once, as last written.
    async fn save(&self, txn: &impl ConnectionTrait) -> Result<(), Failure> {
        let mut created: Vec<&Payment> = Vec::new();
        for id in &self.written {
            let after = &self.current[id];
            match self.loaded.get(id) {
                Some(before) => payments::update(txn, &before.payment, &after.payment).await?,
                None => created.push(&after.payment),
            }
        }
        payments::insert(txn, &created).await?;
        for id in &self.written {
            let known = self.loaded.get(id).map_or(&[][..], |r| &r.refunds[..]);
            for refund in &self.current[id].refunds {
                save_refund(txn, known, refund).await?;
            }
        }
        let clients: Vec<_> = self.clients.iter().map(|(u, at)| (u, *at)).collect();
        merge_clients(txn, &clients).await?;
        append_events(txn, &self.events).await?;
        mark_processed(txn, &self.processed).await
    }
}

/// Inserts or updates `refund` by id; `known` are the locked payment's
/// refunds as loaded (an unchanged one is not written).
async fn save_refund(
    txn: &impl ConnectionTrait,
    known: &[Refund],
    refund: &Refund,
) -> Result<(), Failure> {
    let before = known.iter().find(|r| r.id == refund.id);
    if before == Some(refund) {
        return Ok(());
    }
    let row = refund_row(refund)?.into_active_model().reset_all();
    let result = match before {
        Some(_) => refund::Entity::update_many()
            .set(row)
            .filter(refund::Column::Id.eq(refund.id.to_string()))
            .exec(txn)
            .await
            .map(|_| ()),
        None => refund::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map(|_| ()),
    };
    result.map_err(|err| {
        if !super::error::is_unique_violation(&err) {
            return Failure::db("save a refund")(err);
        }
        // `ux_refunds_intent_key` (SQLite names its columns): the payment
        // has a refund for this intent already.
        let duplicate = match &refund.intent_key {
            Some(intent) if err.to_string().contains("intent_key") => StoreError::Duplicate {
                entity: "refund for intent",
                key: format!("{} of payment {}", intent, refund.ecommerce_id),
            },
            _ => StoreError::Duplicate {
                entity: "refund",
                key: refund
                    .reference_number
                    .as_ref()
                    .map_or_else(|| refund.id.to_string(), ToString::to_string),
            },
        };
        Failure::Fail(duplicate)
    })
}

/// Appends lifecycle events to the outbox, in order.
async fn append_events(
    txn: &impl ConnectionTrait,
    events: &[LifecycleEvent],
) -> Result<(), Failure> {
    for chunk in events.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|event| {
                let mut row = lifecycle_row(event)?.into_active_model().reset_all();
                row.id = ActiveValue::NotSet;
                Ok(row)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        lifecycle_event::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await
            .map_err(Failure::db("append lifecycle events to the outbox"))?;
    }
    Ok(())
}

/// Marks the webhook events `ids` processed, counting the attempt.
async fn mark_processed(txn: &impl ConnectionTrait, ids: &[WebhookEventId]) -> Result<(), Failure> {
    use webhook_event::Column;
    let ids: HashSet<String> = ids.iter().map(ToString::to_string).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let updated = webhook_event::Entity::update_many()
        .col_expr(Column::Status, Expr::value(EventStatus::Processed.as_str()))
        .col_expr(Column::Error, Expr::value(Option::<String>::None))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::ProcessedAt, Expr::value(time(Utc::now())))
        .filter(Column::Id.is_in(ids.iter().cloned()))
        .exec(txn)
        .await
        .map_err(Failure::db("mark webhook events processed"))?;
    if updated.rows_affected != ids.len() as u64 {
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        return Err(Failure::Fail(StoreError::NotFound {
            entity: "webhook event",
            key: ids.join(", "),
        }));
    }
    Ok(())
}
