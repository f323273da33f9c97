//! A sender posting bodies a database would refuse (a NUL byte, a status
//! longer than the key column, a body of exactly 64 KiB) never costs a
//! genuine delivery its 200: genuine and poisonous bodies are posted at
//! once over real HTTP, so that they share group commits, and every
//! genuine event is answered 200 and stored.

use std::sync::Arc;

use athm_domain::EcommerceId;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::db::TestDb;
use crate::helpers::spawn_app_with;

/// Genuine deliveries posted alongside each poisonous one.
const GENUINE_PER_POISON: usize = 12;

/// A completed ecommerce event for `id`, as ATH Móvil sends it.
fn genuine(id: Uuid) -> Vec<u8> {
    serde_json::json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED", "ecommerceId": id.to_string(),
        "referenceNumber": format!("ref-{}", id.simple()), "dailyTransactionId": "0001",
        "date": "2025-12-08 16:30:52", "total": 1, "subTotal": 1, "tax": 0, "fee": 0.03,
        "netAmount": 0.97, "name": "Ana", "phoneNumber": "7875551234", "email": "ana@example.com",
        "metadata1": "", "metadata2": "", "items": []
    })
    .to_string()
    .into_bytes()
}

/// Bodies that a database refuses unless the store bounds them.
fn poisonous() -> Vec<(&'static str, Vec<u8>)> {
    let id = Uuid::new_v4();
    let nul_byte = format!(
        "{{\"transactionType\":\"ECOMMERCE\",\"status\":\"COMPLETED\",\"ecommerceId\":\"{id}\",\"name\":\"a\0b\"}}"
    );
    let nul_status = format!(
        "{{\"transactionType\":\"ECOMMERCE\",\"status\":\"COMPLETED\\u0000\",\"ecommerceId\":\"{}\"}}",
        Uuid::new_v4()
    );
    let long_status = format!(
        "{{\"transactionType\":\"ECOMMERCE\",\"status\":\"{}\",\"ecommerceId\":\"{}\"}}",
        "S".repeat(300),
        Uuid::new_v4()
    );
    let mut full = format!(
        "{{\"transactionType\":\"ECOMMERCE\",\"status\":\"COMPLETED\",\"ecommerceId\":\"{}\",\"pad\":\"",
        Uuid::new_v4()
    );
    full.push_str(&"x".repeat(65_536 - full.len() - 2));
    full.push_str("\"}");
    assert_eq!(full.len(), 65_536, "the app's default body limit, exactly");
    vec![
        ("a NUL byte", nul_byte.into_bytes()),
        ("a NUL in the status", nul_status.into_bytes()),
        ("a status of 300 characters", long_status.into_bytes()),
        ("a body of 65,536 bytes", full.into_bytes()),
    ]
}

async fn genuine_deliveries_are_stored_whatever_else_is_posted(db: TestDb) {
    let app = spawn_app_with(&["--database-url", &db.url]).await;
    let url = format!("{}/webhook", app.api);
    let mut posts: Vec<(String, Option<Uuid>, Vec<u8>)> = Vec::new();
    for (name, body) in poisonous().into_iter().cycle().take(8) {
        posts.push((name.to_string(), None, body));
        for _ in 0..GENUINE_PER_POISON {
            let id = Uuid::new_v4();
            posts.push(("a genuine event".into(), Some(id), genuine(id)));
        }
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(posts.len()));
    let tasks: Vec<_> = posts
        .into_iter()
        .map(|(name, id, body)| {
            let (client, url, barrier) = (app.client.clone(), url.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("the app answers");
                (name, id, response.status())
            })
        })
        .collect();
    let mut genuine_ids = Vec::new();
    for task in tasks {
        let (name, id, status) = task.await.expect("no panic");
        assert_eq!(status, StatusCode::OK, "{name} is stored and answered 200");
        genuine_ids.extend(id);
    }
    assert_eq!(genuine_ids.len(), 8 * GENUINE_PER_POISON);
    for id in genuine_ids {
        let events = app
            .store()
            .events_for_payment(&EcommerceId::new(id))
            .await
            .expect("the store answers");
        assert_eq!(events.len(), 1, "the genuine event of {id} is stored once");
    }
    drop(app);
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn genuine_webhooks_are_stored_beside_poisonous_ones_on_sqlite() {
    genuine_deliveries_are_stored_whatever_else_is_posted(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn genuine_webhooks_are_stored_beside_poisonous_ones_on_postgres() {
    let test = "genuine_webhooks_are_stored_beside_poisonous_ones_on_postgres";
    if let Some(db) = TestDb::on_server("ATHM_TEST_POSTGRES_URL", test).await {
        genuine_deliveries_are_stored_whatever_else_is_posted(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn genuine_webhooks_are_stored_beside_poisonous_ones_on_mariadb() {
    let test = "genuine_webhooks_are_stored_beside_poisonous_ones_on_mariadb";
    if let Some(db) = TestDb::on_server("ATHM_TEST_MYSQL_URL", test).await {
        genuine_deliveries_are_stored_whatever_else_is_posted(db).await;
    }
}
