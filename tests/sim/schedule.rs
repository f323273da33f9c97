//! The schedule: every action of a run and its parameters, drawn up front
//! from one seeded RNG, so that a seed names one schedule and a shortened
//! schedule (some actions dropped) keeps the others' parameters.
//!
//! Actions name payments and earlier refunds by a number (`pick`) that is
//! resolved when the action runs, against what exists then.

use std::fmt;

use athm_sandbox::{Fault, Operation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the customer does in the ATH Móvil app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Customer {
    Approves,
    Declines,
    WalksAway,
}

/// What the checkout page (the customer's browser) does after initiating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Polls, then asks for the authorization.
    Authorizes,
    /// Polls, then cancels.
    Cancels,
    /// Authorize and cancel sent at once.
    Races,
    /// Closes the tab (the watcher and webhooks finish the payment).
    Leaves,
}

/// How much a refund asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `permille` ‰ of what ATH Móvil says is left (over 1000: more than is left).
    Part(u16),
    /// Whole dollars (capped at what is left): refunds of equal amounts
    /// across payments, which only a reference number tells apart.
    Dollars(u8),
    /// All that is left (no amount given).
    Rest,
    /// The amount of a refund of the payment still pending at athm (an
    /// impatient merchant refunding it again in the Business app); else half of what is left.
    SameAsPending,
}

/// Forged webhooks: posted to the app by someone who knows its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// "completed" for one of our payments, with a made-up reference number.
    Completed,
    /// "completed" for a payment ATH Móvil never had.
    CompletedUnknown,
    /// "cancelled" for one of our payments.
    Cancelled,
    /// "expired" for one of our payments.
    Expired,
    /// Observed refund shape: `referenceNumber` the payment's, a made-up `referenceTransactionId`.
    RefundObserved,
    /// Observed refund shape naming another payment's real refund.
    RefundStolenReference,
    /// Documented refund shape: its own made-up reference, the customer's
    /// phone and the amount of a refund pending here when there is one.
    RefundDocumented,
    /// A refund of a payment reference ATH Móvil never issued.
    RefundUnknownPayment,
    /// A genuine delivery replayed with other amounts.
    GenuineOtherAmount,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A checkout through the app's API (`initiate`, `status`, `authorize`/`cancel`).
    Checkout {
        cents: u32,
        customer: Customer,
        browser: Browser,
    },
    /// A payment of the same business made at another shop front: athm
    /// hears of it only through webhooks and the report.
    Elsewhere { cents: u32 },
    /// `PaymentService::refund` with a new intent, sent `burst` times at
    /// once; `fault` armed on ATH Móvil's next refund call first.
    LibraryRefund {
        pay: u32,
        ask: Ask,
        burst: u8,
        fault: Option<Fault>,
    },
    /// An earlier library refund intent sent again (a retried request).
    LibraryRetry { intent: u32 },
    /// `athm refund`, with an idempotency key or not; `fault` as above.
    CliRefund {
        pay: u32,
        ask: Ask,
        keyed: bool,
        fault: Option<Fault>,
    },
    /// An earlier keyed `athm refund` run again with its key.
    CliRetry { key: u32 },
    /// The admin's reviewed refund form, confirmed `confirms` times at
    /// once; `fault` armed on the next refund call after the review.
    AdminRefund {
        pay: u32,
        permille: u16,
        confirms: u8,
        fault: Option<Fault>,
    },
    /// A refund made in the ATH Business app (not through athm).
    AppRefund { pay: u32, ask: Ask },
    /// A fault on the next `times` calls of `operation` at ATH Móvil.
    Fault {
        operation: Operation,
        fault: Fault,
        times: u8,
    },
    /// Every fault cleared.
    ClearFaults,
    /// ATH Móvil's deliveries go nowhere until restored (lost webhooks).
    LoseWebhooks,
    /// ATH Móvil's deliveries reach the app again.
    RestoreWebhooks,
    /// Each later event delivered this many times.
    Copies(u8),
    /// Later events in the documented (`true`) or observed shape.
    Shape { documented: bool },
    /// Genuine deliveries captured earlier posted again, at once, in this
    /// order (late, duplicated, reordered).
    Replay { picks: Vec<u32> },
    /// A forged webhook; `salt` makes its made-up values.
    Forge {
        forgery: Forgery,
        pay: u32,
        documented: bool,
        salt: u32,
    },
    /// `athm sync` over the run's days.
    Sync,
    /// `athm webhooks reprocess`.
    Reprocess,
    /// `Reconciler::settle_pending_refunds`.
    SettlePending,
    /// The app stops and a new instance starts on the same database and ATH Móvil.
    Restart,
    /// Nothing for a while: the app's workers run.
    Pause { millis: u16 },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Fault {
                operation,
                fault,
                times,
            } => write!(f, "Fault {{ {operation:?} × {times}: {fault:?} }}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The schedule of `len` actions for `seed`.
pub fn generate(seed: u64, len: usize) -> Vec<Action> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| action(&mut rng)).collect()
}

fn action(rng: &mut StdRng) -> Action {
    // Weights: checkouts and refunds most, then the adversaries, then the operators.
    const WEIGHTS: [(u32, u8); 21] = [
        (16, 0), // checkout
        (3, 1),  // elsewhere
        (9, 2),  // library refund
        (4, 3),  // library retry
        (6, 4),  // cli refund
        (2, 5),  // cli retry
        (6, 6),  // admin refund
        (4, 7),  // app refund
        (10, 8), // fault
        (2, 9),  // clear faults
        (2, 10), // lose webhooks
        (3, 11), // restore webhooks
        (2, 12), // copies
        (2, 13), // shape
        (5, 14), // replay
        (9, 15), // forge
        (3, 16), // sync
        (2, 17), // reprocess
        (2, 18), // settle pending
        (1, 19), // restart
        (3, 20), // pause
    ];
    let total: u32 = WEIGHTS.iter().map(|(w, _)| w).sum();
    let mut roll = rng.random_range(0..total);
    let kind = WEIGHTS
        .iter()
        .find(|(w, _)| {
            let hit = roll < *w;
            roll = roll.saturating_sub(*w);
            hit
        })
        .map_or(0, |(_, k)| *k);
    let pick = |rng: &mut StdRng| rng.random::<u32>();
    match kind {
        0 => Action::Checkout {
            cents: rng.random_range(100..=6_000),
            customer: match rng.random_range(0..10) {
                0..=5 => Customer::Approves,
                6..=7 => Customer::Declines,
                _ => Customer::WalksAway,
            },
            browser: match rng.random_range(0..10) {
                0..=4 => Browser::Authorizes,
                5 => Browser::Cancels,
                6..=7 => Browser::Races,
                _ => Browser::Leaves,
            },
        },
        1 => Action::Elsewhere {
            cents: rng.random_range(100..=6_000),
        },
        2 => Action::LibraryRefund {
            pay: pick(rng),
            ask: ask(rng),
            burst: if rng.random_bool(0.3) {
                rng.random_range(2..=8)
            } else {
                1
            },
            fault: refund_fault(rng),
        },
        3 => Action::LibraryRetry { intent: pick(rng) },
        4 => Action::CliRefund {
            pay: pick(rng),
            ask: ask(rng),
            keyed: rng.random_bool(0.6),
            fault: refund_fault(rng),
        },
        5 => Action::CliRetry { key: pick(rng) },
        6 => Action::AdminRefund {
            pay: pick(rng),
            permille: permille(rng),
            confirms: match rng.random_range(0..10) {
                0..=3 => 1,
                4..=7 => rng.random_range(2..=5),
                _ => rng.random_range(6..=50),
            },
            fault: refund_fault(rng),
        },
        7 => Action::AppRefund {
            pay: pick(rng),
            ask: if rng.random_bool(0.4) {
                Ask::SameAsPending
            } else {
                ask(rng)
            },
        },
        8 => {
            let (operation, fault) = fault(rng);
            Action::Fault {
                operation,
                fault,
                times: rng.random_range(1..=2),
            }
        }
        9 => Action::ClearFaults,
        10 => Action::LoseWebhooks,
        11 => Action::RestoreWebhooks,
        12 => Action::Copies(rng.random_range(1..=3)),
        13 => Action::Shape {
            documented: rng.random_bool(0.5),
        },
        14 => Action::Replay {
            picks: (0..rng.random_range(1..=4)).map(|_| pick(rng)).collect(),
        },
        15 => Action::Forge {
            forgery: match rng.random_range(0..9) {
                0 => Forgery::Completed,
                1 => Forgery::CompletedUnknown,
                2 => Forgery::Cancelled,
                3 => Forgery::Expired,
                4 => Forgery::RefundObserved,
                5 => Forgery::RefundStolenReference,
                6 => Forgery::RefundDocumented,
                7 => Forgery::RefundUnknownPayment,
                _ => Forgery::GenuineOtherAmount,
            },
            pay: pick(rng),
            documented: rng.random_bool(0.5),
            salt: pick(rng),
        },
        16 => Action::Sync,
        17 => Action::Reprocess,
        18 => Action::SettlePending,
        19 => Action::Restart,
        _ => Action::Pause {
            millis: rng.random_range(50..=600),
        },
    }
}

/// Mostly a part of what is left; now and then more than is left.
fn permille(rng: &mut StdRng) -> u16 {
    if rng.random_bool(0.15) {
        rng.random_range(1_001..=1_500)
    } else {
        rng.random_range(1..=1_000)
    }
}

fn ask(rng: &mut StdRng) -> Ask {
    match rng.random_range(0..20) {
        0..=2 => Ask::Rest,
        3..=8 => Ask::Dollars(rng.random_range(1..=3)),
        _ => Ask::Part(permille(rng)),
    }
}

/// Now and then, a fault on the refund call an action is about to make.
fn refund_fault(rng: &mut StdRng) -> Option<Fault> {
    rng.random_bool(0.35).then(|| {
        let (_, fault) = fault(rng);
        fault
    })
}

/// A fault on one ATH Móvil operation: refunds most, then the checkout's
/// writes, then the reads the trust gate and sync depend on.
fn fault(rng: &mut StdRng) -> (Operation, Fault) {
    let operation = match rng.random_range(0..20) {
        0..=8 => Operation::Refund,
        9..=11 => Operation::Authorize,
        12..=13 => Operation::Cancel,
        14..=16 => Operation::Find,
        17..=18 => Operation::Report,
        _ => Operation::Create,
    };
    let fault = match rng.random_range(0..14) {
        0..=1 => Fault::AnswerLost,
        2 => Fault::AnswerHangs,
        3 => Fault::InternalError,
        4 => Fault::Hang,
        5 => Fault::DropConnection,
        6 => Fault::Unavailable,
        7 => Fault::RateLimited {
            retry_after_secs: 1,
        },
        8 => Fault::error_code("BTRA_0015", true),
        9 => Fault::error_code("BTRA_7777", true),
        10 => Fault::error_code("BTRA_7777", false),
        11 => Fault::ErrorCode {
            code: "BTRA_9999".into(),
            http_status: 500,
            apply: rng.random_bool(0.5),
        },
        12 => Fault::error_code("BTRA_0030", false),
        _ => Fault::Latency {
            millis: rng.random_range(100..=800),
        },
    };
    (operation, fault)
}
