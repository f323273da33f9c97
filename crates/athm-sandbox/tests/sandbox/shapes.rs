//! The sandbox's answers against the corpus of production shapes in
//! `tests/data/production/`: the same field names, recursively, with the
//! same JSON kinds, and production's value forms. A field the sandbox adds
//! or misses fails here: the sandbox is never kinder than production.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use athm_sandbox::{
    CustomerInput, DEMO_PUBLIC_TOKEN, DeliveryAttempt, EventKind, SandboxConfig, WebhookShape,
};
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::{Value, json};

use crate::helpers::{Api, CANCEL, UPDATE_PHONE};

const WAIT: Duration = Duration::from_secs(5);

fn corpus(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/production")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every difference of field names and JSON kinds between `production`
/// and `sandbox`; array elements are compared with production's first.
fn differences(path: &str, production: &Value, sandbox: &Value, out: &mut Vec<String>) {
    if kind(production) != kind(sandbox) {
        out.push(format!(
            "{path}: production sends a {}, the sandbox a {} ({sandbox})",
            kind(production),
            kind(sandbox)
        ));
        return;
    }
    match (production, sandbox) {
        (Value::Object(p), Value::Object(s)) => {
            let (pk, sk): (BTreeSet<_>, BTreeSet<_>) = (p.keys().collect(), s.keys().collect());
            for missing in pk.difference(&sk) {
                out.push(format!("{path}.{missing}: missing from the sandbox"));
            }
            for extra in sk.difference(&pk) {
                out.push(format!("{path}.{extra}: production never sends it"));
            }
            for key in pk.intersection(&sk) {
                differences(&format!("{path}.{key}"), &p[*key], &s[*key], out);
            }
        }
        (Value::Array(p), Value::Array(s)) => match p.first() {
            None if !s.is_empty() => out.push(format!("{path}: production sends []")),
            None => {}
            Some(_) if s.is_empty() => {
                out.push(format!(
                    "{path}: empty, cannot be checked against production"
                ));
            }
            Some(first) => {
                for (i, element) in s.iter().enumerate() {
                    differences(&format!("{path}[{i}]"), first, element, out);
                }
            }
        },
        _ => {}
    }
}

#[track_caller]
fn assert_shape(file: &str, sandbox: &Value) {
    let mut out = Vec::new();
    differences("$", &corpus(file), sandbox, &mut out);
    assert!(
        out.is_empty(),
        "{file}:\n  {}\nsandbox: {sandbox:#}",
        out.join("\n  ")
    );
}

fn is_tenths_date(value: &Value) -> bool {
    value.as_str().is_some_and(|d| {
        d.ends_with(".0")
            && NaiveDateTime::parse_from_str(d.trim_end_matches(".0"), "%Y-%m-%d %H:%M:%S").is_ok()
    })
}

fn is_formatted_phone(value: &Value) -> bool {
    value.as_str().is_some_and(|p| {
        let b = p.as_bytes();
        b.len() == 14
            && b[0] == b'('
            && &b[4..6] == b") "
            && b[9] == b'-'
            && p.chars()
                .enumerate()
                .all(|(i, c)| [0, 4, 5, 9].contains(&i) || c.is_ascii_digit())
    })
}

fn local_now(api: &Api) -> NaiveDateTime {
    api.sandbox
        .now()
        .with_timezone(&athm_sandbox::puerto_rico_offset())
        .naive_local()
}

fn fmt(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The payload of the first delivery attempt of `kind`.
fn payload(log: &[DeliveryAttempt], kind: EventKind) -> Value {
    log.iter()
        .find(|a| a.kind == kind)
        .map(|a| a.payload.clone())
        .unwrap_or_else(|| panic!("no {kind:?} event in {log:?}"))
}

#[tokio::test]
async fn find_payment_and_authorization_answer_as_published() {
    let api = Api::start().await;
    let (id, token) = api.create().await;
    let (_, open) = api
        .post(
            crate::helpers::FIND,
            json!({"ecommerceId": id, "publicToken": DEMO_PUBLIC_TOKEN}),
        )
        .await;
    assert_shape("find_payment_open.json", &open);
    assert_eq!(open["data"]["referenceNumber"], "");
    assert_eq!(open["data"]["dailyTransactionId"], "");
    assert_eq!(open["data"]["transactionDate"], "");

    api.sandbox.confirm(id, CustomerInput::default()).unwrap();
    let (status, authorized) = api.authorize(&token).await;
    assert_eq!(status, 200, "{authorized}");
    assert_shape("authorization_answer.json", &authorized);
    let (_, completed) = api
        .post(
            crate::helpers::FIND,
            json!({"ecommerceId": id, "publicToken": DEMO_PUBLIC_TOKEN}),
        )
        .await;
    assert_shape("find_payment_completed.json", &completed);
    assert_eq!(completed["data"]["dailyTransactionId"], "0001");
}

#[tokio::test]
async fn report_rows_and_the_refund_answer_are_production_rows() {
    let api = Api::start().await;
    let now = local_now(&api);
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let (status, refund) = api.refund(reference, json!("5.00")).await;
    assert_eq!(status, 200, "{refund}");
    assert_shape("refund_answer.json", &refund);
    let refunded = &refund["data"]["refund"];
    assert!(refunded["dailyTransactionID"].is_u64(), "{refunded}");
    assert!(refunded["name"].as_str().unwrap().starts_with(' '));
    assert!(is_formatted_phone(&refunded["phoneNumber"]), "{refunded}");
    assert!(is_tenths_date(&refunded["date"]), "{refunded}");

    let (status, rows) = api
        .report(
            &fmt(now - TimeDelta::hours(1)),
            &fmt(now + TimeDelta::minutes(1)),
        )
        .await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_shape("report_ecommerce_row.json", &rows[0]);
    assert_shape("report_refund_row.json", &rows[1]);
    for row in rows {
        let reference = row["referenceNumber"].as_str().unwrap();
        assert!(
            reference.ends_with(' ') && !reference.trim().is_empty(),
            "{row}"
        );
        assert!(row["dailyTransactionID"].is_u64(), "{row}");
        assert!(is_formatted_phone(&row["phoneNumber"]), "{row}");
        assert!(is_tenths_date(&row["date"]), "{row}");
    }
    assert_eq!(rows[0]["referenceNumber"], format!("{reference} "));
    assert_eq!(
        rows[1]["referenceNumber"],
        format!("{} ", refunded["referenceNumber"].as_str().unwrap())
    );
}

#[tokio::test]
async fn error_cancel_and_phone_update_answers_are_published_ones() {
    let api = Api::start().await;
    let (_, error) = api
        .create_with(json!({"publicToken": DEMO_PUBLIC_TOKEN, "total": "5.00",
                            "metadata1": "x".repeat(41), "metadata2": ""}))
        .await;
    assert_shape("error_answer.json", &error);
    assert_eq!(error, corpus("error_answer.json"));

    let (id, token) = api.create().await;
    let (_, updated) = api
        .send(
            api.http
                .put(api.url(UPDATE_PHONE))
                .bearer_auth(&token)
                .json(&json!({"ecommerceId": id, "phoneNumber": "7875550000"})),
        )
        .await;
    assert_eq!(updated, corpus("update_phone_answer.json"));
    let (_, cancelled) = api
        .post(
            CANCEL,
            json!({"ecommerceId": id, "publicToken": DEMO_PUBLIC_TOKEN}),
        )
        .await;
    assert_eq!(cancelled, corpus("cancel_answer.json"));
}

#[tokio::test]
async fn live_webhooks_are_the_captured_ecommerce_event_and_the_documented_refund() {
    let api = Api::start().await;
    // Nobody listens: the delivery log keeps each payload as posted.
    api.sandbox.set_listener("http://127.0.0.1:9/hook");
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    assert_eq!(api.refund(reference, json!("1.00")).await.0, 200);
    let log = api.sandbox.wait_for_attempts(2, WAIT).await;
    let completed = payload(&log, EventKind::EcommerceCompleted);
    assert_shape("webhook_ecommerce_live.json", &completed);
    assert!(completed["phoneNumber"].is_u64(), "{completed}");
    let refund = payload(&log, EventKind::Refund);
    assert_shape("webhook_refund_documented.json", &refund);
    assert_eq!(refund["referenceNumber"], reference, "as seen live");
}

#[tokio::test]
async fn documented_webhooks_are_the_readme_events() {
    let api = Api::start_with(SandboxConfig::for_tests()).await;
    api.sandbox.set_webhook_shape(WebhookShape::Documented);
    api.sandbox.set_listener("http://127.0.0.1:9/hook");
    let data = api.completed().await;
    let reference = data["referenceNumber"].as_str().unwrap();
    let (_, refund) = api.refund(reference, json!("1.00")).await;
    let log = api.sandbox.wait_for_attempts(2, WAIT).await;
    let completed = payload(&log, EventKind::EcommerceCompleted);
    assert_shape("webhook_ecommerce_documented.json", &completed);
    assert!(is_tenths_date(&completed["date"]), "{completed}");
    let event = payload(&log, EventKind::Refund);
    assert_shape("webhook_refund_documented.json", &event);
    assert_eq!(
        event["referenceNumber"],
        refund["data"]["refund"]["referenceNumber"]
    );
}

#[test]
fn the_shape_check_names_extra_missing_and_retyped_fields() {
    let mut out = Vec::new();
    differences(
        "$",
        &json!({"a": 1, "b": "x", "items": [{"n": 1}]}),
        &json!({"a": "1", "c": true, "items": [{"n": 1, "sku": ""}]}),
        &mut out,
    );
    assert_eq!(
        out,
        [
            "$.b: missing from the sandbox",
            "$.c: production never sends it",
            "$.a: production sends a number, the sandbox a string (\"1\")",
            "$.items[0].sku: production never sends it",
        ]
    );
}
