//! Flagged is not final: a flagged webhook event is checked again on the
//! schedule of [`flagged_recheck_delay`], then left to a person, who may
//! claim flagged events at any time.

use std::sync::Arc;

use athm_domain::WebhookEventId;
use athm_domain::ports::{FlaggedEvents, Store};
use athm_domain::webhook::{EventStatus, flagged_recheck_delay};
use chrono::{DateTime, Duration, Utc};

use super::fixtures::{at, webhook_event};
use super::webhooks::lease;

/// The ids `claim_events_to_retry` offers at `now` (events received up to `received_before`).
async fn retry(
    store: &dyn Store,
    received_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<WebhookEventId> {
    store
        .claim_events_to_retry(10, received_before, now, lease())
        .await
        .expect("claim")
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// The ids `claim_flagged_events` offers at `now`.
async fn on_demand(
    store: &dyn Store,
    which: FlaggedEvents,
    limit: u64,
    now: DateTime<Utc>,
) -> Vec<WebhookEventId> {
    store
        .claim_flagged_events(&which, limit, now, lease())
        .await
        .expect("claim flagged")
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Each flag schedules the next check `flagged_recheck_delay(attempts)`
/// after it: the event is not offered before, is offered (flagged, with
/// its attempts) from then on, only if received before the cut-off; after
/// the sixth flag it is never offered again.
pub async fn a_flagged_event_is_checked_again_on_schedule_then_left_to_a_person(
    store: Arc<dyn Store>,
) {
    let store = store.as_ref();
    let event = webhook_event("flag-me", None, 0);
    store.insert_webhook_event(&event).await.expect("insert");
    assert_eq!(retry(store, at(0), at(1)).await, vec![event.id], "pending");
    let mut flagged_at = 100;
    for attempt in 1..=6u32 {
        store
            .record_event_outcome(
                event.id,
                EventStatus::Flagged,
                Some("forged?".into()),
                at(flagged_at),
            )
            .await
            .expect("flag");
        let delay = flagged_recheck_delay(attempt)
            .expect("scheduled")
            .num_seconds();
        let due = flagged_at + delay;
        assert!(
            retry(store, at(0), at(due - 1)).await.is_empty(),
            "flag {attempt}: not before its check is due"
        );
        assert!(
            retry(store, at(-1), at(due)).await.is_empty(),
            "flag {attempt}: not when received after the cut-off"
        );
        let claimed = store
            .claim_events_to_retry(10, at(0), at(due), lease())
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1, "flag {attempt}: offered once due");
        assert_eq!(
            (claimed[0].id, claimed[0].status, claimed[0].attempts),
            (event.id, EventStatus::Flagged, attempt)
        );
        assert!(
            retry(store, at(0), at(due)).await.is_empty(),
            "flag {attempt}: claimed, not offered twice"
        );
        flagged_at = due + 1;
    }
    store
        .record_event_outcome(event.id, EventStatus::Flagged, None, at(flagged_at))
        .await
        .expect("flag");
    assert!(
        retry(store, at(0), at(flagged_at) + Duration::days(365))
            .await
            .is_empty(),
        "after the sixth flag, a person decides"
    );
}

/// A processed or failed outcome ends a flagged event's schedule (a
/// failed one is retried as failed); an event stored flagged (a malformed
/// body) has no schedule.
pub async fn any_other_outcome_ends_the_schedule_and_a_stored_flag_has_none(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let processed = webhook_event("then-processed", None, 0);
    let failed = webhook_event("then-failed", None, 1);
    let mut malformed = webhook_event("malformed:x", None, 2);
    malformed.status = EventStatus::Flagged;
    for event in [&processed, &failed, &malformed] {
        store.insert_webhook_event(event).await.expect("insert");
    }
    for event in [&processed, &failed] {
        store
            .record_event_outcome(event.id, EventStatus::Flagged, None, at(10))
            .await
            .expect("flag");
    }
    store
        .record_event_outcome(processed.id, EventStatus::Processed, None, at(15))
        .await
        .expect("processed");
    store
        .record_event_outcome(failed.id, EventStatus::Failed, Some("boom".into()), at(15))
        .await
        .expect("failed");
    let claimed = store
        .claim_events_to_retry(10, at(100), at(16), lease())
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(
        (claimed[0].id, claimed[0].status),
        (failed.id, EventStatus::Failed)
    );
    assert_eq!(
        retry(store, at(100), at(100) + Duration::days(365)).await,
        vec![failed.id],
        "the failed event again once its claim ended; neither the processed event nor the one stored flagged"
    );
}

/// A person claims every flagged event, or those named, whatever their
/// schedule: oldest first, up to the limit, not events of another status,
/// not events claimed by someone else until their claim ends or their
/// outcome is recorded.
pub async fn a_person_claims_flagged_events_on_demand(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let mut stored_flagged = webhook_event("malformed:y", None, 0);
    stored_flagged.status = EventStatus::Flagged;
    let scheduled = webhook_event("scheduled", None, 1);
    let pending = webhook_event("pending", None, 2);
    let processed = webhook_event("processed", None, 3);
    for event in [&stored_flagged, &scheduled, &pending, &processed] {
        store.insert_webhook_event(event).await.expect("insert");
    }
    store
        .record_event_outcome(scheduled.id, EventStatus::Flagged, None, at(10))
        .await
        .expect("flag");
    store
        .record_event_outcome(processed.id, EventStatus::Processed, None, at(10))
        .await
        .expect("processed");

    assert!(
        on_demand(store, FlaggedEvents::Only(Vec::new()), 10, at(11))
            .await
            .is_empty()
    );
    let named = FlaggedEvents::Only(vec![scheduled.id, pending.id, processed.id]);
    assert_eq!(
        on_demand(store, named, 10, at(11)).await,
        vec![scheduled.id],
        "only flagged events among those named, before their check is due"
    );
    assert_eq!(
        on_demand(store, FlaggedEvents::All, 10, at(11)).await,
        vec![stored_flagged.id],
        "not one claimed already"
    );
    assert_eq!(
        retry(store, at(100), at(30)).await,
        vec![pending.id],
        "the recovery worker does not take flagged events claimed by a person"
    );
    store
        .record_event_outcome(stored_flagged.id, EventStatus::Flagged, None, at(12))
        .await
        .expect("flag again");
    assert_eq!(
        on_demand(store, FlaggedEvents::All, 1, at(12)).await,
        vec![stored_flagged.id],
        "its outcome ended the claim; oldest first, up to the limit"
    );
    assert_eq!(
        on_demand(store, FlaggedEvents::All, 10, at(11) + lease()).await,
        vec![scheduled.id],
        "a claim that ended"
    );
}
