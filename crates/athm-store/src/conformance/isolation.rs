//! One webhook event never fails another: whatever a sender posts (NUL
//! characters, keys longer than any column, bodies of 64 KiB and more) is
//! stored, and an event the database does refuse fails alone.

use std::sync::Arc;

use athm_domain::WebhookEventId;
use athm_domain::ports::Store;
use athm_domain::webhook::{EventKind, EventStatus, WebhookEvent};

use super::fixtures::{at, ecommerce_id, insert_all, webhook_event};

/// A payload of exactly `len` bytes: a JSON object padded with `x`.
fn payload_of(len: usize) -> String {
    let mut body = String::from("{\"pad\":\"");
    body.push_str(&"x".repeat(len - body.len() - 2));
    body.push_str("\"}");
    assert_eq!(body.len(), len);
    body
}

/// Events built from what a sender may post, each with what it tests.
fn poisonous() -> Vec<(&'static str, WebhookEvent)> {
    let id = ecommerce_id();
    let event = |key: String, secs| webhook_event(&key, Some(id), secs);
    let mut nul_body = event("malformed:nul".into(), 10);
    nul_body.payload = "{\"name\":\"a\0b\",\"note\":\"\0\"}".into();
    nul_body.kind = EventKind::Malformed;
    nul_body.status = EventStatus::Flagged;
    nul_body.error = Some("control character (\\u0000-\\u001F) found: \0".into());
    let nul_key = event(format!("ecommerce:{id}:COMPLETED\0"), 11);
    let long_status = event(format!("ecommerce:{id}:{}", "S".repeat(300)), 12);
    let wide_status = event(format!("ecommerce:{id}:{}", "é".repeat(200)), 13);
    let mut long_addr = event("long-address".into(), 14);
    long_addr.remote_addr = Some("203.0.113.7, ".repeat(100));
    let mut body_64k = event("body:65536".into(), 15);
    body_64k.payload = payload_of(65_536);
    let mut body_1m = event("body:1MiB".into(), 16);
    body_1m.payload = payload_of(1 << 20);
    vec![
        ("a body with NUL characters", nul_body),
        ("a key with a NUL character", nul_key),
        ("a key of 300 characters", long_status),
        ("a key of 247 characters in 447 bytes", wide_status),
        ("a sender address of 1,300 bytes", long_addr),
        ("a body of 65,536 bytes", body_64k),
        ("a body of 1 MiB", body_1m),
    ]
}

/// A batch mixing genuine events with every poisonous one: each is stored
/// and answered `created`; genuine ones (with their sender's address) read
/// back exactly; the others read back as the adapter stores them (a NUL
/// may read back as `\u0000`, an address may be cut, a long key replaced by
/// a shorter one), and a redelivery of each is still a duplicate of it.
/// An outcome with any error text is recorded.
pub async fn any_body_key_or_address_is_stored_without_failing_its_batch(store: Arc<dyn Store>) {
    let mut batch = Vec::new();
    let mut names = Vec::new();
    for (n, (name, event)) in poisonous().into_iter().enumerate() {
        let mut genuine = webhook_event(&format!("genuine:{n}"), Some(ecommerce_id()), 0);
        genuine.remote_addr = Some("2001:db8::7".into());
        batch.extend([genuine, event]);
        names.extend(["a genuine event", name]);
    }
    let stored = insert_all(store.as_ref(), &batch).await;
    for ((name, event), (stored, created)) in names.iter().zip(&batch).zip(&stored) {
        assert!(*created, "{name} is stored as new");
        assert_eq!(stored.id, event.id, "{name}");
        let loaded = store
            .webhook_event(event.id)
            .await
            .expect("load")
            .unwrap_or_else(|| panic!("{name} is stored"));
        assert_eq!(&loaded, stored, "{name}: the answer is what was stored");
        if name.starts_with("a genuine") {
            assert_eq!(&loaded, event, "a genuine event reads back exactly");
        }
        assert_eq!(
            loaded.payload.replace("\\u0000", "\0"),
            event.payload,
            "{name}: the payload is kept (a NUL as \\u0000 at most)"
        );
        let address = (loaded.remote_addr.as_deref(), event.remote_addr.as_deref());
        assert!(
            match address {
                (Some(stored), Some(sent)) => !stored.is_empty() && sent.starts_with(stored),
                (stored, sent) => stored == sent,
            },
            "{name}: the address is kept (its start at least): {address:?}"
        );
    }

    let redelivery: Vec<_> = batch
        .iter()
        .map(|event| WebhookEvent {
            id: WebhookEventId::random(),
            ..event.clone()
        })
        .collect();
    let again = insert_all(store.as_ref(), &redelivery).await;
    for ((name, first), (stored, created)) in names.iter().zip(&batch).zip(&again) {
        assert!(!created, "{name}: a redelivery is a duplicate");
        assert_eq!(stored.id, first.id, "{name}: the first delivery is kept");
    }
    for ((name, first), event) in names.iter().zip(&batch).zip(&redelivery) {
        let (stored, created) = store.insert_webhook_event(event).await.expect("insert");
        assert_eq!((stored.id, created), (first.id, false), "{name}, alone");
    }

    let target = batch[1].id;
    let error = format!("unreadable \0 {}", "é".repeat(60_000));
    store
        .record_event_outcome(target, EventStatus::Failed, Some(error), at(50))
        .await
        .expect("an outcome with any error text is recorded");
    let failed = store
        .webhook_event(target)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(failed.status, EventStatus::Failed);
    assert!(failed.error.is_some_and(|e| e.starts_with("unreadable ")));
}

/// An event the database refuses (here: its id is another event's, the
/// stand-in for any refusal) is answered with its own error; every other
/// event of its batch is stored and answered as if it were alone, and the
/// event whose id it took is untouched.
pub async fn an_event_the_database_refuses_fails_alone_and_its_batch_is_stored(
    store: Arc<dyn Store>,
) {
    let (taken, _) = store
        .insert_webhook_event(&webhook_event("taken", None, 0))
        .await
        .expect("insert");
    let mut refused = webhook_event("refused", None, 1);
    refused.id = taken.id;
    let first = webhook_event("isolated:a", Some(ecommerce_id()), 2);
    let second = webhook_event("isolated:b", None, 3);
    let first_again = webhook_event("isolated:a", first.ecommerce_id, 4);
    let redelivered = webhook_event("taken", None, 5);
    let batch = [
        first.clone(),
        refused,
        second.clone(),
        first_again,
        redelivered,
    ];
    let results = store.insert_webhook_events(&batch).await;
    assert_eq!(results.len(), batch.len());
    let answers: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().map(|(e, created)| (e.id, *created)).ok())
        .collect();
    assert_eq!(
        answers,
        vec![
            Some((first.id, true)),
            None,
            Some((second.id, true)),
            Some((first.id, false)),
            Some((taken.id, false)),
        ],
        "only the refused event fails: {results:?}"
    );
    for event in [&first, &second, &taken] {
        assert_eq!(
            store.webhook_event(event.id).await.expect("load").as_ref(),
            Some(event)
        );
    }
    assert!(
        store
            .list_webhook_events(&athm_domain::ports::ListQuery {
                search: Some("refused".into()),
                ..Default::default()
            })
            .await
            .expect("list")
            .items
            .is_empty(),
        "the refused event is not stored"
    );
}
