//! The conformance suite of the [`Store`] port: one list of cases that
//! every adapter must pass, whatever its database. An adapter's test hands
//! [`run_all`] a factory of fresh, empty, migrated stores:
//!
//! ```no_run
//! # async fn run() {
//! use std::sync::Arc;
//! use athm_domain::ports::Store;
//!
//! athm_store::conformance::run_all(|| async {
//!     let store = athm_store::SqlStore::connect("sqlite::memory:").await.expect("connect");
//!     store.migrate().await.expect("migrate");
//!     Arc::new(store) as Arc<dyn Store>
//! })
//! .await;
//! # }
//! ```
//!
//! Each case panics (with the case's name printed first) when the adapter
//! misbehaves. Times in the fixtures are whole microseconds, the precision
//! every backend keeps.

// The suite is test code shipped as a library: a case reports a misbehaving
// adapter by panicking, with the case's name printed first.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod batches;
mod concurrency;
pub mod fixtures;
mod isolation;
mod listings;
mod outbox;
mod payments;
mod rechecks;
mod refunds_clients;
mod unlinked;
mod waiting;
mod webhooks;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use athm_domain::ports::Store;

/// A boxed case future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One case of the suite: a name and a check run against a fresh store.
#[derive(Clone, Copy)]
pub struct Case {
    /// The case's name (a sentence in snake case).
    pub name: &'static str,
    /// Runs the case against a fresh, empty store; panics on failure.
    pub run: fn(Arc<dyn Store>) -> CaseFuture,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! case {
    ($module:ident :: $name:ident) => {
        Case {
            name: stringify!($name),
            run: |store| Box::pin($module::$name(store)),
        }
    };
}

/// Every case, in the order [`run_all`] runs them.
pub fn cases() -> Vec<Case> {
    vec![
        case!(payments::money_round_trips_exactly),
        case!(payments::payments_without_reference_numbers_coexist),
        case!(payments::insert_payment_refuses_a_known_ecommerce_id),
        case!(payments::update_payment_creates_updates_and_refuses),
        case!(payments::checkout_attempts_are_claimed_once_then_given_their_payment),
        case!(payments::a_stale_checkout_claim_taken_over_can_record_no_payment),
        case!(batches::a_batch_runs_steps_in_order_each_seeing_the_last),
        case!(batches::a_failing_step_does_not_sink_its_batch),
        case!(batches::a_large_batch_applies_every_step),
        case!(batches::a_refused_step_leaves_nothing_for_later_steps),
        case!(waiting::payments_in_status_come_in_keyset_pages),
        case!(refunds_clients::refunds_are_upserted_by_id),
        case!(refunds_clients::a_refund_intent_round_trips_and_is_one_refund_per_payment),
        case!(refunds_clients::clients_merge_latest_non_empty_details),
        case!(webhooks::webhook_insert_is_idempotent),
        case!(webhooks::a_batch_insert_answers_in_order_once_per_key),
        case!(isolation::any_body_key_or_address_is_stored_without_failing_its_batch),
        case!(isolation::an_event_the_database_refuses_fails_alone_and_its_batch_is_stored),
        case!(webhooks::events_to_retry_are_pending_failed_or_due_flagged_oldest_first),
        case!(rechecks::a_flagged_event_is_checked_again_on_schedule_then_left_to_a_person),
        case!(rechecks::any_other_outcome_ends_the_schedule_and_a_stored_flag_has_none),
        case!(rechecks::a_person_claims_flagged_events_on_demand),
        case!(webhooks::a_claimed_event_is_not_offered_until_its_lease_ends_or_its_outcome),
        case!(webhooks::concurrent_recovery_claims_are_disjoint),
        case!(webhooks::a_step_marks_its_webhook_event_processed),
        case!(outbox::outbox_keeps_order_and_records_delivery),
        case!(outbox::a_claim_is_offered_again_once_its_lease_ends),
        case!(outbox::delivered_events_are_never_offered_again),
        case!(outbox::a_later_event_waits_while_an_earlier_one_is_claimed_elsewhere),
        case!(outbox::concurrent_claimers_get_disjoint_sets),
        case!(listings::listings_search_filter_and_page),
        case!(unlinked::an_unlinked_transaction_is_recorded_once_and_kept_up_to_date),
        case!(unlinked::unlinked_amounts_round_trip_exactly),
        case!(unlinked::unlinked_text_of_any_kind_is_recorded_and_a_reread_writes_nothing),
        case!(unlinked::unlinked_transactions_list_newest_first_filtered_and_searched),
        case!(unlinked::an_unlinked_transaction_leaves_the_listing_once_a_payment_or_refund_takes_its_reference),
        case!(unlinked::concurrent_records_of_one_new_unlinked_transaction_leave_one_row),
        case!(unlinked::a_customer_s_payments_here_and_elsewhere_are_found_by_phone),
        case!(concurrency::concurrent_deliveries_complete_a_payment_once),
        case!(concurrency::concurrent_deliveries_complete_an_open_payment_once),
    ]
}

/// Runs every case, each on a store from `fresh_store` (a fresh, empty,
/// migrated database each time). Panics at the first failing case.
pub async fn run_all<F, Fut>(mut fresh_store: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    for case in cases() {
        eprintln!("store conformance: {}", case.name);
        let store = fresh_store().await;
        (case.run)(store).await;
    }
}
