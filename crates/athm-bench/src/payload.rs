//! Real-shaped ATH Móvil webhook bodies: the ecommerce completed event as
//! observed in production (`docs/ath-movil.md`), each with its own
//! `ecommerceId` and `referenceNumber`.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

/// Puerto Rico local time (UTC−4, no DST) as ATH Móvil writes it.
pub(crate) fn athm_now() -> String {
    (Utc::now() - Duration::hours(4))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A new completed ecommerce payment of a few dollars; `seq` varies the amounts.
pub(crate) fn completed_event(seq: u64) -> Vec<u8> {
    completed_event_of(Uuid::new_v4(), seq)
}

/// The completed event of payment `id` (its figures made up: a verifying
/// server takes ATH Móvil's own).
pub(crate) fn completed_event_of(id: Uuid, seq: u64) -> Vec<u8> {
    let dollars = 1 + seq % 150;
    let fee_cents = dollars * 25 / 10 + 10;
    let net_cents = dollars * 100 - fee_cents;
    let now = athm_now();
    let body = json!({
        "businessName": "Bench Store",
        "dailyTransactionId": format!("{:04}", seq % 10_000),
        "date": now,
        "ecommerceId": id.to_string(),
        "email": "customer@example.com",
        "fee": fee_cents as f64 / 100.0,
        "isNonProfit": false,
        "items": [{"description": "Bench item", "formattedPrice": "", "metadata": "bench",
                   "name": "Item", "price": dollars, "quantity": 1, "sku": "", "tax": 0.0}],
        "message": "",
        "metadata1": format!("Order {seq}"),
        "metadata2": "",
        "name": "Bench Customer",
        "netAmount": net_cents as f64 / 100.0,
        "phoneNumber": 7_875_550_000_u64 + seq % 10_000,
        "referenceNumber": format!("{:09}-{}", seq % 1_000_000_000, id.simple()),
        "referenceTransactionId": "",
        "status": "COMPLETED",
        "subTotal": dollars,
        "tax": 0.0,
        "total": dollars,
        "totalRefundedAmount": 0,
        "transactionDate": now,
        "transactionType": "ECOMMERCE",
    });
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_is_a_new_payment() {
        let a: serde_json::Value = serde_json::from_slice(&completed_event(1)).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&completed_event(1)).unwrap();
        assert_ne!(a["ecommerceId"], b["ecommerceId"]);
        assert_ne!(a["referenceNumber"], b["referenceNumber"]);
        assert_eq!(a["status"], "COMPLETED");
    }
}
