//! Every fault the sandbox can inject becomes the right typed error, and
//! only what is safe to resend is resent.

use std::time::{Duration, Instant};

use athm_client::AthmClient;
use athm_domain::ports::{AthmGateway, GatewayError, Operation, RefundOrder};
use athm_domain::{EcommerceId, RemoteStatus};
use athm_sandbox::{Fault, Operation as Op, SandboxConfig};

use crate::helpers::{TestEnv, client_config, code, request, spawn, spawn_with};

async fn quick() -> TestEnv {
    spawn_with(SandboxConfig::for_tests(), |c| {
        c.timeout = Duration::from_millis(400);
    })
    .await
}

async fn open_payment(env: &TestEnv) -> EcommerceId {
    env.create("5.00").await.0
}

fn arm(env: &TestEnv, op: Op, fault: Fault, times: Option<u32>) {
    env.sandbox.faults().set(op, fault, times);
}

fn variant(error: &GatewayError) -> &'static str {
    match error {
        GatewayError::Refused { .. } => "Refused",
        GatewayError::RateLimited { .. } => "RateLimited",
        GatewayError::Unavailable { .. } => "Unavailable",
        GatewayError::OutcomeUnknown { .. } => "OutcomeUnknown",
        GatewayError::Undecodable { .. } => "Undecodable",
        _ => "other",
    }
}

async fn refund_order(env: &TestEnv) -> RefundOrder {
    let (_, reference) = env.completed("10.00").await;
    RefundOrder {
        reference_number: reference,
        amount: "1.00".parse().expect("amount"),
        message: Default::default(),
    }
}

#[tokio::test]
async fn latency_within_the_timeout_is_only_slower() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::Latency { millis: 200 }, Some(1));
    let started = Instant::now();
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn a_hanging_read_is_retried_then_unavailable_and_a_hanging_write_is_unknown() {
    let env = quick().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::Hang, None);
    let error = env.client.find_payment(&id).await.unwrap_err();
    assert_eq!(
        (variant(&error), error.operation()),
        ("Unavailable", Operation::FindPayment)
    );
    assert_eq!(env.sandbox.faults().fired(Op::Find), 3);

    arm(&env, Op::Cancel, Fault::Hang, None);
    let error = env.client.cancel(&id).await.unwrap_err();
    assert_eq!(
        (variant(&error), error.operation()),
        ("OutcomeUnknown", Operation::Cancel)
    );
    assert_eq!(env.sandbox.faults().fired(Op::Cancel), 1);
    assert!(!error.is_definitive());
}

#[tokio::test]
async fn a_passing_internal_error_on_a_read_is_retried_away() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::InternalError, Some(2));
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    assert_eq!(env.sandbox.faults().fired(Op::Find), 2);
}

#[tokio::test]
async fn an_internal_error_on_a_write_is_a_non_definitive_refusal_sent_once() {
    let env = spawn().await;
    arm(&env, Op::Create, Fault::InternalError, None);
    let error = env
        .client
        .create_payment(&request("5.00"))
        .await
        .unwrap_err();
    assert_eq!(code(&error), "BTRA_9999");
    assert!(!error.is_definitive());
    assert_eq!(env.sandbox.faults().fired(Op::Create), 1);
}

#[tokio::test]
async fn a_503_page_is_retried_for_reads_and_unknown_for_writes() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::Unavailable, Some(1));
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);

    arm(&env, Op::Find, Fault::Unavailable, None);
    let error = env.client.find_payment(&id).await.unwrap_err();
    assert_eq!(variant(&error), "Unavailable");
    assert_eq!(env.sandbox.faults().fired(Op::Find), 1 + 3);

    arm(&env, Op::Create, Fault::Unavailable, None);
    let error = env
        .client
        .create_payment(&request("5.00"))
        .await
        .unwrap_err();
    assert_eq!(variant(&error), "OutcomeUnknown");
    assert_eq!(env.sandbox.faults().fired(Op::Create), 1);
}

#[tokio::test]
async fn rate_limits_honour_retry_after_for_reads_and_surface_for_writes() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(
        &env,
        Op::Find,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        Some(1),
    );
    let started = Instant::now();
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    assert!(started.elapsed() >= Duration::from_secs(1));

    arm(
        &env,
        Op::Find,
        Fault::RateLimited {
            retry_after_secs: 60,
        },
        Some(1),
    );
    let error = env.client.find_payment(&id).await.unwrap_err();
    assert!(
        matches!(error, GatewayError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60))
    );

    arm(
        &env,
        Op::Authorize,
        Fault::RateLimited {
            retry_after_secs: 2,
        },
        Some(1),
    );
    let (_, token) = env.create("5.00").await;
    let error = env.client.authorize(&token).await.unwrap_err();
    assert!(
        matches!(error, GatewayError::RateLimited { operation: Operation::Authorize, retry_after: Some(d) } if d == Duration::from_secs(2))
    );
    assert!(error.is_definitive());
}

#[tokio::test]
async fn a_truncated_body_is_undecodable() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::MalformedBody, Some(1));
    let error = env.client.find_payment(&id).await.unwrap_err();
    assert_eq!(
        (variant(&error), error.operation()),
        ("Undecodable", Operation::FindPayment)
    );
}

#[tokio::test]
async fn a_byte_order_mark_before_the_json_is_skipped() {
    let env = spawn().await;
    arm(&env, Op::Create, Fault::Bom, Some(1));
    let (id, _) = env.create("5.00").await;
    arm(&env, Op::Find, Fault::Bom, Some(1));
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    let (_, reference) = env.completed("3.00").await;
    arm(&env, Op::Report, Fault::Bom, None);
    env.sandbox.advance_clock(Duration::from_secs(1));
    let now = env.sandbox.now();
    let rows = env
        .client
        .transaction_report(now - chrono::TimeDelta::days(1), now)
        .await
        .expect("report");
    assert!(
        rows.iter()
            .any(|r| r.reference_number.as_ref() == Some(&reference))
    );
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads_and_unknown_for_a_refund() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(&env, Op::Find, Fault::DropConnection, Some(1));
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    assert_eq!(env.sandbox.faults().fired(Op::Find), 1);

    let order = refund_order(&env).await;
    arm(&env, Op::Refund, Fault::DropConnection, None);
    let error = env.client.refund(&order).await.unwrap_err();
    assert_eq!(
        (variant(&error), error.operation()),
        ("OutcomeUnknown", Operation::Refund)
    );
    assert_eq!(env.sandbox.faults().fired(Op::Refund), 1);
    assert_eq!(env.sandbox.refunds_executed(), 0);
}

#[tokio::test]
async fn a_refund_whose_answer_is_lost_is_unknown_and_executed_once() {
    let env = spawn().await;
    let order = refund_order(&env).await;
    arm(&env, Op::Refund, Fault::AnswerLost, None);
    let error = env.client.refund(&order).await.unwrap_err();
    assert_eq!(variant(&error), "OutcomeUnknown");
    assert_eq!(env.sandbox.refunds_executed(), 1);
}

#[tokio::test]
async fn a_refund_that_times_out_is_never_sent_twice() {
    let env = quick().await;
    let order = refund_order(&env).await;
    arm(&env, Op::Refund, Fault::AnswerHangs, None);
    let error = env.client.refund(&order).await.unwrap_err();
    assert!(
        matches!(
            error,
            GatewayError::OutcomeUnknown {
                operation: Operation::Refund,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_definitive());
    assert_eq!(env.sandbox.faults().fired(Op::Refund), 1);
    assert_eq!(env.sandbox.refunds_executed(), 1);
}

#[tokio::test]
async fn a_payment_created_but_whose_answer_hangs_is_unknown() {
    let env = quick().await;
    arm(&env, Op::Create, Fault::AnswerHangs, None);
    let error = env
        .client
        .create_payment(&request("5.00"))
        .await
        .unwrap_err();
    assert_eq!(variant(&error), "OutcomeUnknown");
    assert_eq!(env.sandbox.payments().len(), 1);
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_unavailable_even_for_a_refund() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = AthmClient::new(client_config(&format!("http://{addr}"))).expect("client");
    let order = RefundOrder {
        reference_number: "123-abc".parse().expect("reference"),
        amount: "1.00".parse().expect("amount"),
        message: Default::default(),
    };
    let error = client.refund(&order).await.unwrap_err();
    assert_eq!(
        (variant(&error), error.operation()),
        ("Unavailable", Operation::Refund)
    );
    assert!(error.is_definitive());
}

#[tokio::test]
async fn a_refund_refused_with_a_transient_or_undocumented_code_is_not_definitive_and_not_resent() {
    for (errorcode, apply) in [
        ("BTRA_0015", true),
        ("BTRA_0016", false),
        ("BTRA_7777", true),
    ] {
        let env = spawn().await;
        let order = refund_order(&env).await;
        arm(&env, Op::Refund, Fault::error_code(errorcode, apply), None);
        let error = env.client.refund(&order).await.unwrap_err();
        assert_eq!(variant(&error), "Refused", "{errorcode}");
        assert_eq!(code(&error), errorcode);
        assert!(
            !error.is_definitive(),
            "{errorcode}: the money may have moved"
        );
        assert_eq!(
            env.sandbox.faults().fired(Op::Refund),
            1,
            "{errorcode}: sent once"
        );
        assert_eq!(
            env.sandbox.refunds_executed(),
            usize::from(apply),
            "{errorcode}"
        );
    }
}

#[tokio::test]
async fn a_find_refused_with_an_undocumented_code_is_not_retried_but_a_transient_one_is() {
    let env = spawn().await;
    let id = open_payment(&env).await;
    arm(
        &env,
        Op::Find,
        Fault::error_code("BTRA_7777", false),
        Some(1),
    );
    let error = env.client.find_payment(&id).await.unwrap_err();
    assert_eq!(code(&error), "BTRA_7777");
    assert_eq!(env.sandbox.faults().fired(Op::Find), 1);

    arm(
        &env,
        Op::Find,
        Fault::error_code("BTRA_0015", false),
        Some(1),
    );
    assert_eq!(env.find(id).await.status, RemoteStatus::Open);
    assert_eq!(env.sandbox.faults().fired(Op::Find), 2);
}
