//! Refunds under races and lost answers, through `PaymentService` over the
//! real store and client: money leaves once, an unknown outcome stays
//! pending, and `athm sync` settles it from the transaction report.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use athm_domain::ports::PaymentKey;
use athm_domain::services::PaymentError;
use athm_domain::{RefundIntent, RefundMessage, RefundStatus};
use athm_sandbox::{DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Fault, Operation, puerto_rico_offset};

use crate::db::TestDb;
use crate::services::{Env, env};

const RACERS: usize = 50;

/// 50 tasks ask for the full refund of one payment at once: one reaches
/// ATH Móvil, the 49 others are refused by the refund rules before it.
async fn concurrent_full_refunds_reach_ath_movil_once(db: TestDb) {
    let env = Arc::new(env(&db.url, Duration::from_secs(5)).await);
    let payment = env.completed("10.00").await;
    let id = payment.ecommerce_id;
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let (env, barrier) = (env.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                env.payments
                    .refund(&id, None, RefundMessage::default(), RefundIntent::random())
                    .await
            })
        })
        .collect();
    let mut refunded = 0;
    for task in tasks {
        match task.await.expect("no panic") {
            Ok(refund) => {
                refunded += 1;
                assert_eq!(refund.amount.to_string(), "10.00");
            }
            Err(PaymentError::Rule(_)) => {}
            Err(other) => panic!("a racer failed otherwise than by the rules: {other}"),
        }
    }
    assert_eq!(refunded, 1, "exactly one refund succeeds");
    assert_eq!(env.sandbox.refunds_executed(), 1, "money left once");
    let record = env
        .store
        .payment(&PaymentKey::Ecommerce(id))
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(record.refunds.len(), 1, "{:?}", record.refunds);
    assert_eq!(record.refunds[0].status, RefundStatus::Completed);
    assert_eq!(record.payment.total_refunded_amount.to_string(), "10.00");
    drop(env);
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_full_refunds_reach_ath_movil_once_on_sqlite() {
    concurrent_full_refunds_reach_ath_movil_once(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_full_refunds_reach_ath_movil_once_on_postgres() {
    let test = "fifty_concurrent_full_refunds_reach_ath_movil_once_on_postgres";
    if let Some(db) = TestDb::on_server("ATHM_TEST_POSTGRES_URL", test).await {
        concurrent_full_refunds_reach_ath_movil_once(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_full_refunds_reach_ath_movil_once_on_mariadb() {
    let test = "fifty_concurrent_full_refunds_reach_ath_movil_once_on_mariadb";
    if let Some(db) = TestDb::on_server("ATHM_TEST_MYSQL_URL", test).await {
        concurrent_full_refunds_reach_ath_movil_once(db).await;
    }
}

/// `athm sync` for today (Puerto Rico) against this environment's database and sandbox.
async fn athm_sync(env: &Env, database_url: &str) -> ExitCode {
    let today = env
        .sandbox
        .now()
        .with_timezone(&puerto_rico_offset())
        .format("%Y-%m-%d")
        .to_string();
    let sandbox = env.sandbox.base_url();
    crate::helpers::run_cli(&[
        "sync",
        "--database-url",
        database_url,
        "--public-token",
        DEMO_PUBLIC_TOKEN,
        "--private-token",
        DEMO_PRIVATE_TOKEN,
        "--payments-url",
        &sandbox,
        "--www-url",
        &sandbox,
        "--from-date",
        &today,
        "--to-date",
        &today,
    ])
    .await
    .expect("athm sync runs")
}

/// ATH Móvil refunds, but its answer never arrives (`fault`): the refund
/// stays PENDING, still counts against what is refundable, is never sent
/// again, and `athm sync` completes it from the report's REFUND row.
async fn a_refund_whose_answer_is_lost_stays_pending_until_sync(fault: Fault) {
    let db = TestDb::sqlite();
    let env = env(&db.url, Duration::from_millis(500)).await;
    let payment = env.completed("10.00").await;
    let id = payment.ecommerce_id;
    env.sandbox.faults().set(Operation::Refund, fault, Some(1));

    let error = env
        .payments
        .refund(&id, None, RefundMessage::default(), RefundIntent::random())
        .await
        .expect_err("the answer is lost");
    assert!(
        matches!(error, PaymentError::RefundPending { .. }),
        "{error}"
    );
    assert_eq!(env.sandbox.refunds_executed(), 1, "ATH Móvil did refund");
    let key = PaymentKey::Ecommerce(id);
    let record = env
        .store
        .payment(&key)
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(record.refunds.len(), 1);
    assert_eq!(record.refunds[0].status, RefundStatus::Pending);
    assert!(record.payment.total_refunded_amount.is_zero());

    let again = env
        .payments
        .refund(&id, None, RefundMessage::default(), RefundIntent::random())
        .await
        .expect_err("the pending refund holds the amount");
    assert!(matches!(again, PaymentError::Rule(_)), "{again}");
    assert_eq!(
        env.sandbox.refunds_executed(),
        1,
        "never sent a second time"
    );

    // The report has whole seconds and the client never asks past now.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(athm_sync(&env, &db.url).await, ExitCode::SUCCESS);

    let record = env
        .store
        .payment(&key)
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(record.refunds.len(), 1, "{:?}", record.refunds);
    assert_eq!(record.refunds[0].status, RefundStatus::Completed);
    assert_eq!(record.payment.total_refunded_amount.to_string(), "10.00");
    assert_eq!(env.sandbox.refunds_executed(), 1);
}

#[tokio::test]
async fn a_refund_whose_connection_drops_after_ath_movil_refunded_is_settled_by_sync() {
    a_refund_whose_answer_is_lost_stays_pending_until_sync(Fault::AnswerLost).await;
}

#[tokio::test]
async fn a_refund_whose_answer_hangs_past_the_client_timeout_is_settled_by_sync() {
    a_refund_whose_answer_is_lost_stays_pending_until_sync(Fault::AnswerHangs).await;
}
