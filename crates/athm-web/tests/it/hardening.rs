//! Webhook hardening: a secret path segment, a source allow-list, and a
//! nesting limit on bodies.

use athm_domain::ports::AdminQueries;
use std::net::SocketAddr;

use athm_domain::ports::ListQuery;
use athm_domain::webhook::{EventKind, EventStatus};
use athm_web::{IpNet, Secret, WebConfig};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Answer, TestApp, request, spawn_with, test_config};

const PATH_SECRET: &str = "s3cret-Path_segment.0123";

fn event() -> serde_json::Value {
    json!({"transactionType": "payment", "status": "completed",
        "referenceNumber": "ref-hardening-1", "total": "1.00", "date": "2025-12-08 16:30:52"})
}

async fn stored(app: &TestApp) -> u64 {
    app.store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events")
        .total
}

/// Posts `event()` to `path` from `peer` (no peer: no `ConnectInfo`, as in a bare `oneshot`).
async fn post_from(
    app: &TestApp,
    path: &str,
    peer: Option<&str>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = request(Method::POST, path, Body::from(event().to_string()), headers);
    if let Some(peer) = peer {
        let addr = SocketAddr::new(peer.parse().expect("an address"), 40000);
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    app.send(req).await
}

#[tokio::test]
async fn with_a_path_secret_only_the_secret_path_receives_webhooks() {
    let config = WebConfig {
        webhook_path_secret: Some(Secret::new(PATH_SECRET)),
        ..test_config()
    };
    let app = spawn_with(config).await;

    let plain = app.post("/athm/webhook", event(), &[]).await;
    assert_eq!(plain.status, StatusCode::NOT_FOUND);
    for wrong in [
        "/athm/webhook/wrong",
        "/athm/webhook/s3cret-Path_segment.012",
        "/athm/webhook/s3cret-Path_segment.01234",
        "/athm/webhook/S3CRET-PATH_SEGMENT.0123",
    ] {
        let answer = app.post(wrong, event(), &[]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{wrong}");
    }
    assert_eq!(stored(&app).await, 0, "nothing is stored from a wrong path");

    let right = app
        .post(&format!("/athm/webhook/{PATH_SECRET}"), event(), &[])
        .await;
    assert_eq!(
        (right.status, right.body),
        (StatusCode::OK, json!({"status": "stored"}))
    );
    assert_eq!(stored(&app).await, 1);
}

fn allow_list(trust_forwarded_for: bool) -> WebConfig {
    WebConfig {
        webhook_allowed_sources: vec![
            "203.0.113.0/24".parse::<IpNet>().expect("a range"),
            "2001:db8::/32".parse().expect("a range"),
        ],
        trust_forwarded_for,
        ..test_config()
    }
}

#[tokio::test]
async fn an_allow_list_admits_its_sources_and_refuses_others_with_403() {
    let app = spawn_with(allow_list(false)).await;
    for peer in ["203.0.113.5", "::ffff:203.0.113.6", "2001:db8::7"] {
        let answer = post_from(&app, "/athm/webhook", Some(peer), &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{peer}");
    }
    for peer in [Some("198.51.100.1"), Some("2001:db9::1"), None] {
        let answer = post_from(&app, "/athm/webhook", peer, &[]).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{peer:?}");
        assert!(answer.error().starts_with("source:"), "{}", answer.error());
    }
    // Without trust in the proxy, X-Forwarded-For is the client's to forge.
    let forged = post_from(
        &app,
        "/athm/webhook",
        Some("198.51.100.1"),
        &[("x-forwarded-for", "203.0.113.5")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        stored(&app).await,
        1,
        "one event, stored by the admitted posts"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_allow_list_reads_the_proxys_forwarded_entry() {
    let app = spawn_with(allow_list(true)).await;
    let proxy = Some("10.0.0.2");
    let admitted = post_from(
        &app,
        "/athm/webhook",
        proxy,
        &[("x-forwarded-for", "198.51.100.9, 203.0.113.5")],
    )
    .await;
    assert_eq!(admitted.status, StatusCode::OK);
    let refused = post_from(
        &app,
        "/athm/webhook",
        proxy,
        &[("x-forwarded-for", "203.0.113.5, 198.51.100.9")],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "the last entry counts"
    );
    let no_header = post_from(&app, "/athm/webhook", proxy, &[]).await;
    assert_eq!(
        no_header.status,
        StatusCode::FORBIDDEN,
        "the proxy itself is not allowed"
    );
}

#[tokio::test]
async fn the_allow_list_and_the_path_secret_work_together() {
    let config = WebConfig {
        webhook_path_secret: Some(Secret::new(PATH_SECRET)),
        ..allow_list(false)
    };
    let app = spawn_with(config).await;
    let path = format!("/athm/webhook/{PATH_SECRET}");
    let outsider = post_from(&app, &path, Some("198.51.100.1"), &[]).await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);
    let wrong_path = post_from(&app, "/athm/webhook/nope", Some("203.0.113.5"), &[]).await;
    assert_eq!(wrong_path.status, StatusCode::NOT_FOUND);
    let good = post_from(&app, &path, Some("203.0.113.5"), &[]).await;
    assert_eq!(good.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_nested_deeper_than_the_limit_is_stored_malformed_and_answered_200() {
    let app = spawn_with(test_config()).await;
    let depth = athm_domain::webhook::ParsedWebhook::MAX_DEPTH + 1;
    let body = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let answer = app
        .send(request(
            Method::POST,
            "/athm/webhook",
            Body::from(body),
            &[],
        ))
        .await;
    assert_eq!(
        (answer.status, answer.body),
        (StatusCode::OK, json!({"status": "malformed"}))
    );
    let events = app
        .store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events")
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind, events[0].status),
        (EventKind::Malformed, EventStatus::Flagged)
    );
    assert!(
        events[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("deeper than 32"),
        "{:?}",
        events[0].error
    );
}

/// `athm_web::serve` over a real socket: a request gets the peer's address
/// as `ConnectInfo`; a client that sends half a request's headers, or
/// nothing, is cut off after `HEADER_READ_TIMEOUT`, not held open forever (`axum::serve`
/// sets no timer, so hyper's header timeout never fires there).
#[tokio::test]
async fn serve_cuts_off_a_client_that_never_finishes_its_headers() {
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let router = axum::Router::new().route(
        "/peer",
        axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
            peer.ip().to_string()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(athm_web::serve(listener, router, async {
        let _ = stopped.await;
    }));

    let mut whole = tokio::net::TcpStream::connect(addr).await.expect("connect");
    whole
        .write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("a request");
    let mut answer = String::new();
    whole.read_to_string(&mut answer).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with("127.0.0.1"),
        "the peer as ConnectInfo: {answer}"
    );

    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half the headers");
    let began = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(
        athm_web::HEADER_READ_TIMEOUT + Duration::from_secs(5),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(
        read.is_ok(),
        "the half-sent request was still open after {:?}",
        began.elapsed()
    );
    assert!(
        began.elapsed() >= athm_web::HEADER_READ_TIMEOUT - Duration::from_secs(1),
        "cut off too early: {:?}",
        began.elapsed()
    );

    // A client that connects and sends nothing at all is cut off too.
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let read = tokio::time::timeout(
        athm_web::HEADER_READ_TIMEOUT + Duration::from_secs(5),
        silent.read_to_end(&mut rest),
    )
    .await;
    assert!(read.is_ok(), "a silent connection was still open");

    let _ = stop.send(());
    server.await.expect("the server task").expect("served");
}
