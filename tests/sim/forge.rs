//! The attacker: webhooks posted to the app by someone who knows its URL
//! (ATH Móvil does not sign them), in both shapes, for real and unknown
//! payments. None of them may change athm's books.

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actions::describe;
use crate::helpers::PHONE;
use crate::schedule::Forgery;
use crate::world::World;

impl World {
    pub async fn forge(&mut self, forgery: Forgery, pick: u32, documented: bool, salt: u32) {
        let target = (!self.payments.is_empty())
            .then(|| self.payments[pick as usize % self.payments.len()])
            .and_then(|id| self.sandbox.payment(id));
        let date = self
            .sandbox
            .now()
            .with_timezone(&athm_sandbox::puerto_rico_offset())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let fake_reference = format!("{salt:08}-{:032x}", u128::from(salt) * 7_919);
        let amount = |base: Decimal| {
            let cents = Decimal::from(1 + salt % 1_000) / Decimal::from(1_000);
            (base * cents).round_dp(2).max(Decimal::new(1, 2))
        };
        let body = match forgery {
            Forgery::Completed | Forgery::Cancelled | Forgery::Expired => {
                let Some(p) = &target else { return };
                let status = match forgery {
                    Forgery::Completed => ("completed", "COMPLETED"),
                    Forgery::Cancelled => ("cancelled", "CANCEL"),
                    _ => ("expired", "EXPIRED"),
                };
                ecommerce(
                    p.ecommerce_id,
                    &fake_reference,
                    p.total,
                    status,
                    documented,
                    &date,
                )
            }
            Forgery::CompletedUnknown => {
                let id = Uuid::from_u128(u128::from(salt) << 64 | 0x5eed);
                let total = Decimal::from(1 + salt % 50);
                ecommerce(
                    id,
                    &fake_reference,
                    total,
                    ("completed", "COMPLETED"),
                    documented,
                    &date,
                )
            }
            Forgery::RefundObserved => {
                let Some(p) = &target else { return };
                let Some(reference) = &p.reference_number else {
                    return;
                };
                refund_observed(reference, &fake_reference, amount(p.total), &date)
            }
            Forgery::RefundStolenReference => {
                // Most harmful: a payment with a pending refund, and another
                // payment's real refund of that very amount.
                let pending = self
                    .services
                    .store
                    .pending_refunds()
                    .await
                    .unwrap_or_default();
                let refunds = self.sandbox.refunds();
                let pair = pending.iter().find_map(|mine| {
                    let theirs = refunds.iter().find(|r| {
                        r.ecommerce_id != mine.ecommerce_id.uuid()
                            && r.amount == mine.amount.value()
                    })?;
                    Some((
                        self.sandbox.payment(mine.ecommerce_id.uuid())?,
                        theirs.clone(),
                    ))
                });
                let pair = pair.or_else(|| {
                    let p = target.clone()?;
                    let others: Vec<_> = refunds
                        .iter()
                        .filter(|r| r.ecommerce_id != p.ecommerce_id)
                        .collect();
                    let stolen =
                        (!others.is_empty()).then(|| others[salt as usize % others.len()])?;
                    Some((p, stolen.clone()))
                });
                let Some((p, stolen)) = pair else { return };
                let Some(reference) = &p.reference_number else {
                    return;
                };
                refund_observed(reference, &stolen.reference_number, stolen.amount, &date)
            }
            Forgery::RefundDocumented => {
                let pending = self
                    .services
                    .store
                    .pending_refunds()
                    .await
                    .unwrap_or_default();
                let total = match pending.first() {
                    Some(refund) => refund.amount.value(),
                    None => amount(target.as_ref().map_or(Decimal::from(10), |p| p.total)),
                };
                refund_documented(&fake_reference, total, &date)
            }
            Forgery::RefundUnknownPayment => refund_observed(
                &fake_reference,
                &format!("{fake_reference}-r"),
                amount(Decimal::from(20)),
                &date,
            ),
            Forgery::GenuineOtherAmount => {
                let genuine = self.genuine();
                if genuine.is_empty() {
                    return;
                }
                let mut body = genuine[salt as usize % genuine.len()].clone();
                for field in [
                    "total",
                    "totalRefundedAmount",
                    "netAmount",
                    "refundedAmount",
                ] {
                    if let Some(value) = body.get_mut(field) {
                        let bumped = Decimal::from(1 + salt % 40) + Decimal::new(7, 2);
                        *value = if value.is_string() {
                            json!(format!("{bumped:.2}"))
                        } else {
                            json!(bumped.to_string().parse::<f64>().unwrap_or(1.07))
                        };
                    }
                }
                body
            }
        };
        let answer = self.post_webhook(&body).await;
        self.note(format!(
            "forged {forgery:?} ({}): {answer:?}",
            describe(&body)
        ));
        self.forged.push(body);
    }
}

fn ecommerce(
    id: Uuid,
    reference: &str,
    total: Decimal,
    (documented, observed): (&str, &str),
    documented_shape: bool,
    date: &str,
) -> Value {
    if documented_shape {
        json!({
            "transactionType": "ecommerce", "status": documented,
            "date": format!("{date}.0"), "ecommerceId": id.to_string(),
            "referenceNumber": reference, "dailyTransactionID": "0099",
            "name": "Forger", "phoneNumber": PHONE, "email": "forger@example.com",
            "message": "", "total": format!("{total:.2}"), "tax": "0.00", "subtotal": format!("{total:.2}"),
            "fee": "0.00", "netAmount": format!("{total:.2}"), "totalRefundedAmount": "0.00",
            "metadata1": "", "metadata2": "", "items": [],
        })
    } else {
        json!({
            "transactionType": "ECOMMERCE", "status": observed,
            "date": date, "transactionDate": date,
            "ecommerceId": id.to_string(), "referenceNumber": reference,
            "referenceTransactionId": "", "dailyTransactionId": "0099",
            "businessName": "Forger", "isNonProfit": false,
            "name": "Forger", "phoneNumber": PHONE.parse::<u64>().unwrap_or(0), "email": "",
            "message": "", "total": number(total), "subTotal": number(total), "tax": 0,
            "fee": 0, "netAmount": number(total), "totalRefundedAmount": 0,
            "metadata1": "", "metadata2": "", "items": [],
        })
    }
}

/// The observed refund shape: the payment's reference and the refund's own.
fn refund_observed(payment_reference: &str, own: &str, amount: Decimal, date: &str) -> Value {
    json!({
        "transactionType": "REFUND", "status": "COMPLETED",
        "date": date,
        "referenceNumber": payment_reference, "referenceTransactionId": own,
        "dailyTransactionId": "0042", "businessName": "Forger", "isNonProfit": false,
        "name": "Forger", "phoneNumber": PHONE.parse::<u64>().unwrap_or(0), "email": "",
        "total": number(amount), "totalRefundedAmount": number(amount),
        "fee": 0, "netAmount": number(amount), "message": "", "metadata1": "", "metadata2": "",
    })
}

/// The documented refund shape: the refund's own reference only.
fn refund_documented(own: &str, amount: Decimal, date: &str) -> Value {
    json!({
        "transactionType": "refund", "status": "completed",
        "date": format!("{date}.0"), "referenceNumber": own,
        "dailyTransactionID": "0001", "name": "Forger", "phoneNumber": PHONE,
        "email": "", "message": "", "total": format!("{amount:.2}"), "tax": "0.00",
        "subtotal": "0.00", "fee": "0.00", "netAmount": format!("{amount:.2}"),
        "totalRefundedAmount": format!("{amount:.2}"), "metadata1": "", "metadata2": "",
        "items": [],
    })
}

fn number(amount: Decimal) -> Value {
    amount
        .to_string()
        .parse::<f64>()
        .map_or(json!(0), |n| json!(n))
}
