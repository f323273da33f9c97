//! The parser never panics, and classification and keys hold for any payload.

use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};

use super::{EventKind, ParsedWebhook};
use crate::test_support::now;

/// Every field name the parser reads, plus extras seen in practice.
const FIELDS: &[&str] = &[
    "transactionType",
    "status",
    "ecommerceStatus",
    "ecommerceId",
    "ecommerceID",
    "referenceNumber",
    "dailyTransactionId",
    "dailyTransactionID",
    "date",
    "transactionDate",
    "total",
    "subtotal",
    "subTotal",
    "tax",
    "fee",
    "netAmount",
    "totalRefundedAmount",
    "totalRefundAmount",
    "refundedAmount",
    "name",
    "phoneNumber",
    "phone",
    "email",
    "message",
    "metadata1",
    "metadata2",
    "businessName",
    "items",
    "isNonProfit",
    "referenceTransactionId",
    // item fields, for objects nested in `items`
    "description",
    "quantity",
    "price",
    "metadata",
    "sku",
    "formattedPrice",
];

/// Texts that are nearly valid: the edges the parser must refuse or accept without panicking.
const TEXTS: &[&str] = &[
    "",
    " ",
    "ecommerce",
    "REFUND",
    "donation",
    "simulated",
    "payment",
    "COMPLETED",
    "cancelled",
    "expired",
    "CANCEL",
    "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "11223344-aabbccdd11223344aabbccdd11223344",
    "3.00",
    "0.6000000238418579",
    "-1.00",
    "1e2",
    "1e400",
    "79228162514264337593543950336",
    "-0",
    "NaN",
    "(787) 555-1234",
    "7875551234",
    "2025-12-08 16:30:52",
    "2020-01-01 12:00:00.0",
    "2020-01-01T12:00:00.123456789",
    "+262143-12-31 23:59:59",
    "-262143-01-01 00:00:00",
    "9999999999999",
    "99999999999999999999",
    "[{\"name\":\"Tip\",\"price\":3.0,\"quantity\":1}]",
    "[[[[",
    "\u{feff}",
    "ñ",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-1_000_000i64..1_000_000, 0u32..10).prop_map(|(n, e)| {
            Value::Number(Number::from_f64(n as f64 / 10f64.powi(e as i32)).unwrap_or(0.into()))
        }),
        prop::sample::select(TEXTS).prop_map(|t| Value::String(t.to_string())),
        ".{0,24}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(FIELDS), inner.clone(), 0..6)
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            // items sent as a JSON-encoded string
            inner.prop_map(|v| Value::String(v.to_string())),
        ]
    })
}

fn payload() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(FIELDS), value(), 0..FIELDS.len()).prop_map(
        |m| {
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        },
    )
}

/// Parses `body` and, when it is readable, derives everything derived from it.
fn exercise(body: &[u8]) {
    match ParsedWebhook::parse(body) {
        Ok(parsed) => {
            let key = parsed.idempotency_key();
            assert!(!key.is_empty());
            let event = parsed.to_event(body, now());
            assert_eq!(event.kind, parsed.kind);
            assert_eq!(
                ParsedWebhook::parse(body).map(|p| p.idempotency_key()),
                Ok(key)
            );
        }
        Err(error) => {
            let event = ParsedWebhook::malformed_event(body, &error, now());
            assert_eq!(event.kind, EventKind::Malformed);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_parser_never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise(&body);
    }

    #[test]
    fn the_parser_never_panics_on_arbitrary_text(body in ".{0,200}") {
        exercise(body.as_bytes());
    }

    #[test]
    fn the_parser_never_panics_on_payloads_of_known_fields_with_any_value_types(payload in payload()) {
        let body = payload.to_string();
        exercise(body.as_bytes());
        let mut with_bom = "\u{feff}".as_bytes().to_vec();
        with_bom.extend_from_slice(body.as_bytes());
        exercise(&with_bom);
    }
}

#[test]
fn extreme_values_are_refused_or_read_never_a_panic() {
    for total in [
        json!(1e308),
        json!(u64::MAX),
        json!(-0.0),
        json!("1e400"),
        json!("79228162514264337593543950336"),
        json!("79228162514264337593543950335"),
        json!([]),
        json!({}),
    ] {
        exercise(
            json!({"transactionType": "refund", "total": total})
                .to_string()
                .as_bytes(),
        );
    }
    for date in [
        "+262143-12-31 23:59:59",
        "-262143-01-01 00:00:00",
        "99999999999999999",
    ] {
        exercise(
            json!({"transactionType": "refund", "date": date})
                .to_string()
                .as_bytes(),
        );
    }
    exercise(json!({"items": "\"[]\""}).to_string().as_bytes());
    exercise(
        json!({"items": [{"quantity": "1e30"}, {"quantity": 4294967296u64}]})
            .to_string()
            .as_bytes(),
    );
}

#[test]
fn non_objects_are_field_errors_not_panics() {
    for body in ["[]", "null", "3", "\"x\"", "true"] {
        assert!(ParsedWebhook::parse(body.as_bytes()).is_err(), "{body}");
    }
}

/// `{"a":` repeated `depth` times around `1`, closed.
fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

#[test]
fn bodies_nested_deeper_than_the_limit_are_refused_before_parsing() {
    use super::WebhookParseError;
    let limit = ParsedWebhook::MAX_DEPTH;
    // At the limit: valid JSON, read (as a payload without a known kind).
    assert!(
        !matches!(
            ParsedWebhook::parse(nested(limit).as_bytes()),
            Err(WebhookParseError::TooDeep(_))
        ),
        "{limit} levels are allowed"
    );
    for depth in [limit + 1, 129, 100_000] {
        assert_eq!(
            ParsedWebhook::parse(nested(depth).as_bytes()),
            Err(WebhookParseError::TooDeep(limit)),
            "{depth} levels"
        );
        let unclosed = "[".repeat(depth);
        assert_eq!(
            ParsedWebhook::parse(unclosed.as_bytes()),
            Err(WebhookParseError::TooDeep(limit))
        );
    }
    // Brackets inside strings (with escaped quotes) do not count.
    let text = json!({"message": format!("\\\"{}", "[{".repeat(100))}).to_string();
    assert!(!matches!(
        ParsedWebhook::parse(text.as_bytes()),
        Err(WebhookParseError::TooDeep(_))
    ));
}

#[test]
fn serde_json_alone_refuses_nesting_past_128_levels() {
    // Why the explicit limit is a tightening, not the only guard: without
    // it, serde_json's recursion limit would still refuse these bodies.
    let deep = nested(129);
    let error = serde_json::from_str::<Value>(&deep).expect_err("too deep for serde_json");
    assert!(error.to_string().contains("recursion limit"), "{error}");
    assert!(serde_json::from_str::<Value>(&nested(127)).is_ok());
}
