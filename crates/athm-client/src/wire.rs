//! The bytes on the wire: request bodies as ATH Móvil spells them, and a
//! tolerant reading of every answer shape.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use athm_domain::ports::{AthmErrorCode, RefundOrder, RefundReceipt, WebhookSubscription};
use athm_domain::{AthmTransaction, AuthToken, EcommerceId, Item, PaymentRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::{
    self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::retry::Failure;

/// `POST …/ecommerce/payment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatePaymentBody<'a> {
    pub public_token: &'a str,
    pub timeout: String,
    pub total: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(rename = "metadata1")]
    pub metadata_1: &'a str,
    #[serde(rename = "metadata2")]
    pub metadata_2: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<&'a str>,
    pub items: Vec<ItemBody<'a>>,
}

/// One item of a payment.
#[derive(Debug, Serialize)]
pub(crate) struct ItemBody<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub quantity: String,
    pub price: String,
    pub tax: Option<String>,
    pub metadata: Option<&'a str>,
}

impl<'a> CreatePaymentBody<'a> {
    pub fn new(public_token: &'a str, request: &'a PaymentRequest) -> Self {
        Self {
            public_token,
            timeout: request.timeout.secs().to_string(),
            total: request.total.to_string(),
            subtotal: request.subtotal.map(|a| a.to_string()),
            tax: request.tax.map(|a| a.to_string()),
            metadata_1: request.metadata_1.as_str(),
            metadata_2: request.metadata_2.as_str(),
            phone_number: request.phone_number.as_ref().map(|p| p.as_str()),
            items: request.items.iter().map(ItemBody::new).collect(),
        }
    }
}

impl<'a> ItemBody<'a> {
    fn new(item: &'a Item) -> Self {
        Self {
            name: &item.name,
            description: &item.description,
            quantity: item.quantity.to_string(),
            price: item.price.to_string(),
            tax: item.tax.map(|a| a.to_string()),
            metadata: item.metadata.as_deref(),
        }
    }
}

/// `findPayment` and `cancel`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EcommerceBody<'a> {
    pub ecommerce_id: String,
    pub public_token: &'a str,
}

/// `updatePhoneNumber`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdatePhoneBody<'a> {
    pub ecommerce_id: String,
    pub phone_number: &'a str,
}

/// `refund`. Holds the private token: never log it (its `Debug` is not derived).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    pub reference_number: &'a str,
    pub amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

impl<'a> RefundBody<'a> {
    pub fn new(public_token: &'a str, private_token: &'a str, order: &'a RefundOrder) -> Self {
        let message = order.message.as_str();
        Self {
            public_token,
            private_token,
            reference_number: order.reference_number.as_str(),
            amount: order.amount.to_string(),
            message: (!message.is_empty()).then_some(message),
        }
    }
}

/// The transaction report. Holds the private token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    pub from_date: String,
    pub to_date: String,
}

impl<'a> ReportBody<'a> {
    pub fn new(
        public_token: &'a str,
        private_token: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Self {
        Self {
            public_token,
            private_token,
            from_date: athm_domain::format_athm_time(from),
            to_date: athm_domain::format_athm_time(to),
        }
    }
}

/// The webhook subscription. Holds the private token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionBody<'a> {
    pub public_token: &'a str,
    pub private_token: &'a str,
    #[serde(rename = "listenerURL")]
    pub listener_url: &'a str,
    pub payment_received_event: bool,
    pub refund_sent_event: bool,
    pub donation_received_event: bool,
    pub ecommerce_payment_received_event: bool,
    pub ecommerce_payment_cancelled_event: bool,
    pub ecommerce_payment_expired_event: bool,
}

impl<'a> SubscriptionBody<'a> {
    pub fn new(public_token: &'a str, private_token: &'a str, s: &'a WebhookSubscription) -> Self {
        Self {
            public_token,
            private_token,
            listener_url: &s.listener_url,
            payment_received_event: s.payment_received,
            refund_sent_event: s.refund_sent,
            donation_received_event: s.donation_received,
            ecommerce_payment_received_event: s.ecommerce_payment_received,
            ecommerce_payment_cancelled_event: s.ecommerce_payment_cancelled,
            ecommerce_payment_expired_event: s.ecommerce_payment_expired,
        }
    }
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Reads one HTTP answer into its payload (`data`, a bare object or a bare
/// array), or the failure it reports. The HTTP status counts only where the
/// body does not speak for itself.
pub(crate) fn decode(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, Failure> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    let value = classify(
        status,
        retry_after,
        || {
            let parsed: Result<Value, _> = serde_json::from_slice(body);
            parsed
        },
        |value| match value {
            Value::Object(object) => Some(object),
            _ => None,
        },
    )?;
    Ok(match value {
        Value::Object(mut object) if object.contains_key("data") => {
            object.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    })
}

/// The rows of a report answer, or why they could not be read.
pub(crate) type ReportRows = Result<Vec<AthmTransaction>, Failure>;

/// Reads one answer of the transaction report as [`decode`] followed by
/// [`report_rows`] would, without building the whole answer as one
/// [`Value`]: each row is converted as soon as it is read, and only the
/// fields an error answer is recognised by are kept. The outer failure is
/// the answer's (as [`decode`] gives it); the inner one is a row that is not
/// a transaction, or a payload that is not an array (as [`report_rows`]).
pub(crate) fn decode_report(
    status: u16,
    retry_after: Option<Duration>,
    mut body: Body,
) -> Result<ReportRows, Failure> {
    let answer = classify(
        status,
        retry_after,
        || {
            body.skip_prefix(BOM);
            let mut deserializer = serde_json::Deserializer::from_reader(&mut body);
            let answer = deserializer.deserialize_any(AnswerVisitor)?;
            deserializer.end()?;
            Ok(answer)
        },
        |answer| answer.object.as_ref(),
    )?;
    Ok(answer.rows)
}

/// An answer body as it arrived, chunk by chunk. Reading it frees each
/// chunk as soon as it has been read, so that a long answer's bytes go
/// while what is decoded from them grows.
#[derive(Debug, Default)]
pub(crate) struct Body {
    chunks: VecDeque<Vec<u8>>,
    /// How much of the first chunk has been read.
    offset: usize,
}

impl Body {
    /// Appends a chunk.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        if !chunk.is_empty() {
            self.chunks.push_back(chunk.to_vec());
        }
    }

    /// The bytes not read yet.
    pub(crate) fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum::<usize>() - self.offset
    }

    /// The bytes not read yet, in one buffer.
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        if self.offset == 0 && self.chunks.len() == 1 {
            return self.chunks.pop_front().unwrap_or_default();
        }
        let mut bytes = Vec::with_capacity(self.len());
        if let Some(first) = self.chunks.pop_front() {
            bytes.extend_from_slice(first.get(self.offset..).unwrap_or_default());
        }
        for chunk in self.chunks {
            bytes.extend_from_slice(&chunk);
        }
        bytes
    }

    /// Skips `prefix` if the unread bytes start with it.
    fn skip_prefix(&mut self, prefix: &[u8]) {
        let unread = self
            .chunks
            .iter()
            .enumerate()
            .flat_map(|(i, chunk)| chunk.iter().skip(if i == 0 { self.offset } else { 0 }));
        if unread.take(prefix.len()).eq(prefix.iter()) {
            let mut skipped = 0;
            while skipped < prefix.len() {
                let mut byte = [0];
                match io::Read::read(self, &mut byte) {
                    Ok(1) => skipped += 1,
                    _ => break,
                }
            }
        }
    }
}

impl io::Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(front) = self.chunks.front() {
            let rest = front.get(self.offset..).unwrap_or_default();
            if rest.is_empty() {
                self.chunks.pop_front();
                self.offset = 0;
                continue;
            }
            let n = rest.len().min(buf.len());
            if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
                to.copy_from_slice(from);
            }
            self.offset += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// What every answer goes through: rate limiting, error answers (in any
/// status), server errors, bodies that are not JSON and other statuses.
fn classify<T>(
    status: u16,
    retry_after: Option<Duration>,
    parse: impl FnOnce() -> Result<T, serde_json::Error>,
    object: impl FnOnce(&T) -> Option<&Map<String, Value>>,
) -> Result<T, Failure> {
    if status == 429 {
        return Err(Failure::RateLimited { retry_after });
    }
    let parsed = parse();
    if let Ok(parsed) = &parsed
        && let Some(object) = object(parsed)
        && let Some(failure) = error_answer(object)
    {
        return Err(failure);
    }
    if status >= 500 {
        return Err(Failure::ServerError { status });
    }
    let value = parsed.map_err(|e| Failure::Undecodable {
        detail: format!("HTTP {status}, not JSON ({e})"),
    })?;
    if !(200..300).contains(&status) {
        return Err(Failure::Undecodable {
            detail: format!("HTTP {status} with an answer that is not an ATH Móvil error"),
        });
    }
    Ok(value)
}

/// A report answer read in one pass.
struct Answer {
    /// For an object: its fields that say whether it is an error answer.
    object: Option<Map<String, Value>>,
    /// The payload's rows (`data` of an object, or the bare array).
    rows: ReportRows,
}

/// The fields [`error_answer`] reads.
const ERROR_FIELDS: [&str; 4] = ["status", "errorcode", "errorCode", "message"];

fn not_an_array() -> Failure {
    undecodable("the report is not a JSON array")
}

/// The top of a report answer: a bare array, null, an object (`data` read
/// as rows, the error fields kept, the rest skipped) or a scalar.
struct AnswerVisitor;

impl<'de> Visitor<'de> for AnswerVisitor {
    type Value = Answer;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        let mut object = Map::new();
        let mut rows = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                rows = Some(map.next_value_seed(RowsSeed)?);
            } else if ERROR_FIELDS.contains(&key.as_str()) {
                object.insert(key, map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Answer {
            object: Some(object),
            // Without `data`, the payload is the object itself: not an array.
            rows: rows.unwrap_or_else(|| Err(not_an_array())),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Answer, A::Error> {
        Ok(Answer {
            object: None,
            rows: RowsSeed.visit_seq(seq)?,
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Answer, E> {
        Ok(Answer {
            object: None,
            rows: Ok(Vec::new()),
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Answer, E> {
        Ok(scalar())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Answer, E> {
        Ok(scalar())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Answer, E> {
        Ok(scalar())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Answer, E> {
        Ok(scalar())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Answer, E> {
        Ok(scalar())
    }
}

fn scalar() -> Answer {
    Answer {
        object: None,
        rows: Err(not_an_array()),
    }
}

/// A report payload: an array whose elements become transactions one by one
/// (each element's [`Value`] dropped as soon as it is converted), null (no
/// rows), or anything else (not an array; read and skipped).
struct RowsSeed;

impl<'de> DeserializeSeed<'de> for RowsSeed {
    type Value = ReportRows;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ReportRows, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed {
    type Value = ReportRows;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of transactions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ReportRows, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut index = 0usize;
        while let Some(row) = seq.next_element::<Value>()? {
            match AthmTransaction::from_json(&row) {
                Ok(transaction) => rows.push(transaction),
                Err(e) => {
                    drop(rows);
                    // The rest is still read: a body that is not JSON stays "not JSON".
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(Err(undecodable(format!("report row {index}: {e}"))));
                }
            }
            index += 1;
        }
        Ok(Ok(rows))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ReportRows, E> {
        Ok(Ok(Vec::new()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReportRows, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(not_an_array()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<ReportRows, E> {
        Ok(Err(not_an_array()))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<ReportRows, E> {
        Ok(Err(not_an_array()))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<ReportRows, E> {
        Ok(Err(not_an_array()))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<ReportRows, E> {
        Ok(Err(not_an_array()))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<ReportRows, E> {
        Ok(Err(not_an_array()))
    }
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `{"status":"error","message":…,"errorcode":…}`, in any case.
fn error_answer(object: &Map<String, Value>) -> Option<Failure> {
    let status = object.get("status").and_then(Value::as_str).unwrap_or("");
    let code = text_of(object.get("errorcode").or_else(|| object.get("errorCode")));
    if !status.eq_ignore_ascii_case("error") && code.is_none() {
        return None;
    }
    if status.eq_ignore_ascii_case("success") {
        return None;
    }
    let message = text_of(object.get("message")).unwrap_or_default();
    match code {
        Some(code) => Some(Failure::Refused {
            code: AthmErrorCode::new(code),
            message,
        }),
        None => Some(Failure::Undecodable {
            detail: format!("an error answer without errorcode: {message}"),
        }),
    }
}

fn undecodable(detail: impl Into<String>) -> Failure {
    Failure::Undecodable {
        detail: detail.into(),
    }
}

/// One transaction from a payload.
pub(crate) fn transaction(value: &Value) -> Result<AthmTransaction, Failure> {
    AthmTransaction::from_json(value).map_err(|e| undecodable(format!("transaction: {e}")))
}

/// The create-payment answer: `{ecommerceId, auth_token}`.
pub(crate) fn created(value: &Value) -> Result<(EcommerceId, AuthToken), Failure> {
    let id = text_of(
        value
            .get("ecommerceId")
            .or_else(|| value.get("ecommerceID")),
    )
    .ok_or_else(|| undecodable("no ecommerceId in the answer"))?
    .parse()
    .map_err(|e| undecodable(format!("{e}")))?;
    let token = text_of(value.get("auth_token").or_else(|| value.get("authToken")))
        .ok_or_else(|| undecodable("no auth_token in the answer"))?;
    Ok((id, AuthToken::new(token)))
}

/// The refund answer: `{refund, originalTransaction}`.
pub(crate) fn refund_receipt(value: &Value) -> Result<RefundReceipt, Failure> {
    let part = |name: &str| {
        value
            .get(name)
            .ok_or_else(|| undecodable(format!("no {name} in the refund answer")))
            .and_then(transaction)
    };
    Ok(RefundReceipt {
        refund: part("refund")?,
        original: part("originalTransaction")?,
    })
}

/// The report answer: a bare array, `{data: […]}` (already unwrapped), or null.
#[cfg(test)]
pub(crate) fn report_rows(value: &Value) -> Result<Vec<AthmTransaction>, Failure> {
    RowsSeed
        .deserialize(value)
        .unwrap_or_else(|e| Err(undecodable(format!("the report: {e}"))))
}

#[cfg(test)]
mod tests;
