//! When to try a failed call again: pure functions of (operation, failure,
//! attempt), so that the decisions are tested with tables and only the
//! send loop sleeps.
//!
//! The rule: reads (`findPayment`, the report) are retried after transient
//! failures; a request that provably never reached ATH Móvil (the connection
//! could not be made) is retried whatever it is; a write whose request may
//! have been received (timeout after sending, connection dropped, 5xx) is
//! **never** retried and ends as
//! [`GatewayError::OutcomeUnknown`]: a refund sent twice pays twice.

use std::time::Duration;

use athm_domain::ports::{AthmErrorCode, GatewayError, Operation};

use crate::config::RetryPolicy;

/// What went wrong with one attempt, before it becomes a [`GatewayError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be made: the request never left.
    NotSent {
        /// What happened.
        detail: String,
    },
    /// The request was (or may have been) sent, but no complete answer came:
    /// a timeout, or a connection closed before or during the answer.
    NoAnswer {
        /// What happened.
        detail: String,
    },
    /// A 5xx answer without an ATH Móvil error body (a load balancer's page).
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// HTTP 429.
    RateLimited {
        /// The `Retry-After` the answer carried, if readable.
        retry_after: Option<Duration>,
    },
    /// An ATH Móvil error answer.
    Refused {
        /// `errorcode`.
        code: AthmErrorCode,
        /// `message`.
        message: String,
    },
    /// An answer that could not be read.
    Undecodable {
        /// What was wrong with it.
        detail: String,
    },
}

/// What the send loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Stop and return the failure as an error.
    GiveUp,
}

/// The backoff after `attempts` failed attempts (1 after the first):
/// `base × 2^(attempts−1)` capped at `max_delay`, with "equal jitter": half
/// of it fixed, the other half scaled by `jitter` (clamped to 0..=1).
pub fn backoff(policy: &RetryPolicy, attempts: u32, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    let full = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    let half = full / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// Whether to retry after `failure`, the `attempts`-th failed attempt of `operation`.
pub fn decide(
    policy: &RetryPolicy,
    operation: Operation,
    failure: &Failure,
    attempts: u32,
    jitter: f64,
) -> Decision {
    if attempts >= policy.max_attempts {
        return Decision::GiveUp;
    }
    let wait = Decision::RetryAfter(backoff(policy, attempts, jitter));
    let read = operation.is_read();
    match failure {
        Failure::NotSent { .. } => wait,
        Failure::NoAnswer { .. } | Failure::ServerError { .. } if read => wait,
        Failure::RateLimited { retry_after } if read => match retry_after {
            Some(after) if *after > policy.max_retry_after => Decision::GiveUp,
            Some(after) => Decision::RetryAfter(*after),
            None => wait,
        },
        Failure::Refused { code, .. } if read && code.read_may_retry() => wait,
        _ => Decision::GiveUp,
    }
}

/// The error a caller sees for the last failure of `operation`.
pub fn to_error(operation: Operation, failure: Failure) -> GatewayError {
    let read = operation.is_read();
    match failure {
        Failure::NotSent { detail } => GatewayError::Unavailable {
            operation,
            detail: format!("could not connect: {detail}"),
        },
        Failure::NoAnswer { detail } if read => GatewayError::Unavailable { operation, detail },
        Failure::NoAnswer { detail } => GatewayError::OutcomeUnknown { operation, detail },
        Failure::ServerError { status } if read => GatewayError::Unavailable {
            operation,
            detail: format!("HTTP {status} without an ATH Móvil answer"),
        },
        Failure::ServerError { status } => GatewayError::OutcomeUnknown {
            operation,
            detail: format!("HTTP {status} without an ATH Móvil answer"),
        },
        Failure::RateLimited { retry_after } => GatewayError::RateLimited {
            operation,
            retry_after,
        },
        Failure::Refused { code, message } => GatewayError::Refused {
            operation,
            code,
            message,
        },
        Failure::Undecodable { detail } => GatewayError::Undecodable { operation, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(10),
        }
    }

    fn not_sent() -> Failure {
        Failure::NotSent {
            detail: "refused".into(),
        }
    }
    fn no_answer() -> Failure {
        Failure::NoAnswer {
            detail: "timed out".into(),
        }
    }
    fn refused(code: &str) -> Failure {
        Failure::Refused {
            code: AthmErrorCode::new(code),
            message: "m".into(),
        }
    }
    fn limited(secs: Option<u64>) -> Failure {
        Failure::RateLimited {
            retry_after: secs.map(Duration::from_secs),
        }
    }

    const WRITES: [Operation; 6] = [
        CreatePayment,
        Authorize,
        UpdatePhoneNumber,
        Cancel,
        Refund,
        SubscribeWebhook,
    ];
    const READS: [Operation; 2] = [FindPayment, TransactionReport];

    #[test]
    fn writes_whose_request_may_have_arrived_are_never_retried() {
        let failures = [
            no_answer(),
            Failure::ServerError { status: 500 },
            Failure::ServerError { status: 503 },
            refused("BTRA_9999"),
            refused("BTRA_9998"),
            refused("BTRA_0015"),
            refused("BTRA_0016"),
            refused("BTRA_7777"),
            limited(Some(1)),
            limited(None),
            Failure::Undecodable { detail: "x".into() },
            refused("BTRA_0032"),
        ];
        for op in WRITES {
            for failure in &failures {
                for attempt in 1..4 {
                    assert_eq!(
                        decide(&policy(), op, failure, attempt, 0.5),
                        Decision::GiveUp,
                        "{op} {failure:?} attempt {attempt}"
                    );
                }
            }
        }
    }

    #[test]
    fn requests_that_never_left_are_retried_whatever_the_operation() {
        for op in WRITES.into_iter().chain(READS) {
            assert_eq!(
                decide(&policy(), op, &not_sent(), 1, 0.0),
                Decision::RetryAfter(Duration::from_millis(50)),
                "{op}"
            );
            assert_eq!(decide(&policy(), op, &not_sent(), 4, 0.0), Decision::GiveUp);
        }
    }

    #[test]
    fn reads_are_retried_after_transient_failures_only() {
        let table: [(Failure, bool); 12] = [
            (no_answer(), true),
            (Failure::ServerError { status: 502 }, true),
            (refused("BTRA_9999"), true),
            (refused("BTRA_9998"), true),
            (refused("BTRA_0015"), true),
            (refused("BTRA_0016"), true),
            (limited(None), true),
            (refused("BTRA_7777"), false),
            (refused("BTRA_0031"), false),
            (refused("BTRA_0026"), false),
            (refused("token.expired"), false),
            (Failure::Undecodable { detail: "x".into() }, false),
        ];
        for op in READS {
            for (failure, retried) in &table {
                let decision = decide(&policy(), op, failure, 1, 1.0);
                assert_eq!(
                    matches!(decision, Decision::RetryAfter(_)),
                    *retried,
                    "{op} {failure:?}"
                );
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_bound() {
        let table = [
            (Some(0), Decision::RetryAfter(Duration::ZERO)),
            (Some(3), Decision::RetryAfter(Duration::from_secs(3))),
            (Some(10), Decision::RetryAfter(Duration::from_secs(10))),
            (Some(11), Decision::GiveUp),
            (None, Decision::RetryAfter(Duration::from_millis(100))),
        ];
        for (after, expected) in table {
            assert_eq!(
                decide(&policy(), FindPayment, &limited(after), 1, 1.0),
                expected,
                "{after:?}"
            );
        }
    }

    #[test]
    fn the_attempt_budget_is_respected() {
        for (attempts, retried) in [(1, true), (2, true), (3, true), (4, false), (9, false)] {
            let decision = decide(&policy(), FindPayment, &no_answer(), attempts, 0.0);
            assert_eq!(matches!(decision, Decision::RetryAfter(_)), retried);
        }
        let none = RetryPolicy::none();
        assert_eq!(
            decide(&none, FindPayment, &no_answer(), 1, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_its_upper_half() {
        let ms = Duration::from_millis;
        let table = [
            (1, 0.0, ms(50)),
            (1, 1.0, ms(100)),
            (2, 0.0, ms(100)),
            (2, 1.0, ms(200)),
            (3, 0.5, ms(300)),
            (4, 1.0, ms(800)),
            (5, 1.0, ms(1000)),
            (40, 0.0, ms(500)),
            (1, 7.0, ms(100)),
            (1, -3.0, ms(50)),
        ];
        for (attempts, jitter, expected) in table {
            assert_eq!(
                backoff(&policy(), attempts, jitter),
                expected,
                "{attempts} {jitter}"
            );
        }
    }

    #[test]
    fn failures_become_errors_by_operation_kind() {
        let table: [(Operation, Failure, &str); 10] = [
            (Refund, no_answer(), "OutcomeUnknown"),
            (FindPayment, no_answer(), "Unavailable"),
            (
                CreatePayment,
                Failure::ServerError { status: 503 },
                "OutcomeUnknown",
            ),
            (
                TransactionReport,
                Failure::ServerError { status: 503 },
                "Unavailable",
            ),
            (Refund, not_sent(), "Unavailable"),
            (Cancel, limited(Some(2)), "RateLimited"),
            (Authorize, refused("BTRA_0032"), "Refused"),
            (Refund, refused("BTRA_9999"), "Refused"),
            (
                FindPayment,
                Failure::Undecodable { detail: "x".into() },
                "Undecodable",
            ),
            (UpdatePhoneNumber, no_answer(), "OutcomeUnknown"),
        ];
        for (op, failure, variant) in table {
            let error = to_error(op, failure);
            assert_eq!(error.operation(), op);
            assert!(format!("{error:?}").starts_with(variant), "{op}: {error:?}");
        }
    }

    #[test]
    fn a_transient_or_undocumented_refusal_of_a_write_is_not_definitive() {
        for op in [Authorize, UpdatePhoneNumber, Cancel, Refund] {
            for code in [
                "BTRA_9999",
                "BTRA_9998",
                "BTRA_0015",
                "BTRA_0016",
                "BTRA_7777",
            ] {
                assert!(!to_error(op, refused(code)).is_definitive(), "{op} {code}");
            }
            for code in ["BTRA_0053", "BTRA_0004", "BTRA_0037"] {
                assert!(to_error(op, refused(code)).is_definitive(), "{op} {code}");
            }
        }
    }
}
