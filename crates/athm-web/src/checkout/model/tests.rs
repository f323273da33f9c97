use serde_json::json;

use super::*;

fn parse(value: Value) -> Result<Checkout, FieldError> {
    let request: CheckoutRequest = serde_json::from_value(value).expect("a request");
    Checkout::try_from(request)
}

fn refused_field(value: Value) -> &'static str {
    parse(value).expect_err("refused").field
}

#[test]
fn a_full_request_becomes_a_checkout() {
    let checkout = parse(json!({
        "total": "25.00", "subtotal": 24, "tax": "1.00",
        "metadata1": "Order #1", "metadata2": "ref",
        "items": [{"name": "Widget", "description": "", "quantity": "1", "price": "24.00", "tax": null}],
        "success_url": "https://shop.example/ok", "failure_url": "/cart",
        "timeout": "300"
    }))
    .unwrap();
    assert_eq!(checkout.total.to_string(), "25.00");
    assert_eq!(checkout.subtotal.unwrap().to_string(), "24.00");
    assert_eq!(checkout.items[0].quantity, 1);
    assert_eq!(checkout.timeout.secs(), 300);
    assert_eq!(checkout.failure_url.as_deref(), Some("/cart"));
}

#[test]
fn subtotal_and_tax_are_display_values_not_summed_against_the_total() {
    for (subtotal, tax) in [("0.00", "0.00"), ("20.00", "1.00"), ("30.00", "1.00")] {
        let checkout = parse(json!({"total": "25.00", "subtotal": subtotal, "tax": tax})).unwrap();
        assert_eq!(checkout.subtotal.unwrap().to_string(), subtotal);
    }
}

#[test]
fn only_the_total_is_required() {
    let checkout = parse(json!({"total": 1})).unwrap();
    assert_eq!(checkout, Checkout::new("1.00".parse().unwrap()));
}

#[test]
fn every_bad_value_is_refused_naming_its_field() {
    let cases = [
        (json!({}), "total"),
        (json!({"total": null}), "total"),
        (json!({"total": "abc"}), "total"),
        (json!({"total": true}), "total"),
        (json!({"total": "0.99"}), "total"),
        (json!({"total": 1500.01}), "total"),
        (json!({"total": 10, "subtotal": "x"}), "subtotal"),
        (json!({"total": 10, "tax": -1}), "tax"),
        (json!({"total": 10, "subtotal": 10000}), "subtotal"),
        (json!({"total": 10, "tax": "10000.00"}), "tax"),
        (
            json!({"total": 10, "metadata1": "a".repeat(41)}),
            "metadata1",
        ),
        (
            json!({"total": 10, "metadata2": "b".repeat(41)}),
            "metadata2",
        ),
        (json!({"total": 10, "timeout": 60}), "timeout"),
        (json!({"total": 10, "timeout": "ten"}), "timeout"),
        (json!({"total": 10, "items": {"name": "x"}}), "items"),
        (
            json!({"total": 10, "items": [{"name": "x", "price": "z"}]}),
            "items.price",
        ),
        (
            json!({"total": 10, "success_url": "javascript:alert(1)"}),
            "success_url",
        ),
        (
            json!({"total": 10, "failure_url": "//evil.example"}),
            "failure_url",
        ),
        (json!({"total": 10, "failure_url": "/a b"}), "failure_url"),
        (
            json!({"total": 10, "success_url": "/\\evil.example/"}),
            "success_url",
        ),
        (
            json!({"total": 10, "success_url": "\\\\evil.example"}),
            "success_url",
        ),
        (
            json!({"total": 10, "failure_url": "https://shop.example\\@evil.example/"}),
            "failure_url",
        ),
    ];
    for (value, field) in cases {
        assert_eq!(refused_field(value.clone()), field, "{value}");
    }
}

#[test]
fn unknown_fields_are_refused() {
    let error = serde_json::from_value::<CheckoutRequest>(json!({"total": 1, "totl": 2}))
        .unwrap_err()
        .to_string();
    assert!(error.contains("totl"), "{error}");
}

#[test]
fn a_checkout_becomes_the_payment_request_for_a_phone() {
    let checkout = parse(json!({"total": "5", "metadata1": "m"})).unwrap();
    let phone: PhoneNumber = "787-555-1234".parse().unwrap();
    let request = checkout.payment_request(Some(phone.clone()));
    assert_eq!(request.total.to_string(), "5.00");
    assert_eq!(request.metadata_1.as_str(), "m");
    assert_eq!(request.phone_number, Some(phone));
}
