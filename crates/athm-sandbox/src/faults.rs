//! Faults on demand: what an operation does instead of (or around) its
//! normal answer, for a number of calls or until cleared.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// The API operations faults can be attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Create payment.
    Create,
    /// findPayment.
    Find,
    /// authorization.
    Authorize,
    /// updatePhoneNumber.
    UpdatePhone,
    /// cancel.
    Cancel,
    /// refund.
    Refund,
    /// transactionReport.
    Report,
    /// Webhook subscription.
    Subscribe,
}

/// What goes wrong. On the control endpoint a fault is written with a
/// `kind` tag, e.g. `{"kind":"latency","millis":500}`, `{"kind":"hang"}` or
/// `{"kind":"error_code","code":"BTRA_0015","http_status":400,"apply":true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Wait, then behave normally.
    Latency {
        /// Added delay in milliseconds.
        millis: u64,
    },
    /// Never answer (an hour, or until the client gives up or the sandbox
    /// shuts down); no effect.
    Hang,
    /// HTTP 500 with the BTRA_9999 error body; no effect.
    InternalError,
    /// HTTP 503 with a non-JSON body, as a load balancer says it; no effect.
    Unavailable,
    /// HTTP 429 with `Retry-After`; no effect.
    RateLimited {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// HTTP 200 with a truncated JSON body; no effect.
    MalformedBody,
    /// The normal answer, effect included, with a UTF-8 byte order mark
    /// before the JSON.
    Bom,
    /// Close the connection without answering; no effect.
    DropConnection,
    /// Apply the effect, then close the connection without answering.
    AnswerLost,
    /// Apply the effect, then never answer.
    AnswerHangs,
    /// An ATH Móvil error answer
    /// (`{"status":"error","message":…,"errorcode":…,"data":null}`) with
    /// `code` and its published text (a generic one for an unpublished
    /// code), after applying the effect when `apply` is true (the money
    /// moved, yet the answer says error) or with no effect when false.
    ErrorCode {
        /// `errorcode`, published or not (e.g. `BTRA_0015`, `BTRA_7777`).
        code: String,
        /// The answer's HTTP status (200–599; 400 when not given).
        #[serde(default = "bad_request")]
        http_status: u16,
        /// Whether the operation takes effect before the error answer (false when not given).
        #[serde(default)]
        apply: bool,
    },
}

impl Fault {
    /// [`Fault::ErrorCode`] with HTTP 400: `code` answered, the effect applied when `apply`.
    pub fn error_code(code: impl Into<String>, apply: bool) -> Self {
        Self::ErrorCode {
            code: code.into(),
            http_status: bad_request(),
            apply,
        }
    }
}

fn bad_request() -> u16 {
    400
}

#[derive(Debug, Clone)]
struct Armed {
    fault: Fault,
    remaining: Option<u32>,
}

/// The faults currently armed, one per operation.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<HashMap<Operation, Armed>>,
    fired: Mutex<HashMap<Operation, u32>>,
    calls: Mutex<HashMap<Operation, u32>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Faults {
    /// Arms `fault` on `operation` for the next `times` calls (`None`: until
    /// cleared). Replaces a fault already armed there.
    pub fn set(&self, operation: Operation, fault: Fault, times: Option<u32>) {
        lock(&self.armed).insert(
            operation,
            Armed {
                fault,
                remaining: times,
            },
        );
    }

    /// Disarms `operation`.
    pub fn clear(&self, operation: Operation) {
        lock(&self.armed).remove(&operation);
    }

    /// Disarms every operation.
    pub fn clear_all(&self) {
        lock(&self.armed).clear();
    }

    /// The fault armed on `operation`, if any.
    pub fn armed(&self, operation: Operation) -> Option<Fault> {
        lock(&self.armed).get(&operation).map(|a| a.fault.clone())
    }

    /// How many calls of `operation` met a fault so far.
    pub fn fired(&self, operation: Operation) -> u32 {
        lock(&self.fired).get(&operation).copied().unwrap_or(0)
    }

    /// How many calls of `operation` arrived so far (with or without a
    /// fault): what a merchant's rate limit at ATH Móvil would count.
    pub fn calls(&self, operation: Operation) -> u32 {
        lock(&self.calls).get(&operation).copied().unwrap_or(0)
    }

    /// The fault for one call of `operation`, counting it down; counts the call.
    pub(crate) fn take(&self, operation: Operation) -> Option<Fault> {
        *lock(&self.calls).entry(operation).or_insert(0) += 1;
        let mut armed = lock(&self.armed);
        let entry = armed.get_mut(&operation)?;
        let fault = entry.fault.clone();
        match entry.remaining.as_mut() {
            Some(0) => {
                armed.remove(&operation);
                return None;
            }
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    armed.remove(&operation);
                }
            }
            None => {}
        }
        *lock(&self.fired).entry(operation).or_insert(0) += 1;
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_fires_the_given_number_of_times() {
        let faults = Faults::default();
        faults.set(Operation::Refund, Fault::InternalError, Some(2));
        assert_eq!(faults.take(Operation::Refund), Some(Fault::InternalError));
        assert_eq!(faults.take(Operation::Refund), Some(Fault::InternalError));
        assert_eq!(faults.take(Operation::Refund), None);
        assert_eq!(faults.fired(Operation::Refund), 2);
        assert_eq!(faults.take(Operation::Find), None);
    }

    #[test]
    fn an_error_code_fault_reads_with_defaults_and_in_full() {
        let short: Fault =
            serde_json::from_str(r#"{"kind":"error_code","code":"BTRA_7777"}"#).unwrap();
        assert_eq!(short, Fault::error_code("BTRA_7777", false));
        let full: Fault = serde_json::from_str(
            r#"{"kind":"error_code","code":"BTRA_0015","http_status":500,"apply":true}"#,
        )
        .unwrap();
        assert_eq!(
            full,
            Fault::ErrorCode {
                code: "BTRA_0015".into(),
                http_status: 500,
                apply: true
            }
        );
    }
}
