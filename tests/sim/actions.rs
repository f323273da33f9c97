//! Running one action against the world. An action never fails the run:
//! refusals, errors and timeouts are what the actors meet in production;
//! each is noted, and only the checks after the run decide.

use std::time::Duration;

use athm_domain::services::PaymentError;
use athm_domain::{Amount, EcommerceId, RefundIntent, RefundMessage, RefundStatus};
use athm_sandbox::{CustomerInput, DEMO_PUBLIC_TOKEN, PaymentStatus as Remote};
use futures_util::future::join_all;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::PHONE;
use crate::schedule::{Action, Ask, Browser, Customer};
use crate::world::{Answer, CliCall, LibraryCall, Via, World};

impl World {
    /// Runs action number `index`.
    pub async fn perform(&mut self, index: usize, action: &Action) {
        self.action = index;
        match action {
            Action::Checkout {
                cents,
                customer,
                browser,
            } => self.checkout(*cents, *customer, *browser).await,
            Action::Elsewhere { cents } => self.elsewhere(*cents).await,
            Action::LibraryRefund {
                pay,
                ask,
                burst,
                fault,
            } => {
                self.arm_refund_fault(fault.as_ref());
                self.library_refund(*pay, *ask, *burst).await;
            }
            Action::LibraryRetry { intent } => self.library_retry(*intent).await,
            Action::CliRefund {
                pay,
                ask,
                keyed,
                fault,
            } => {
                self.arm_refund_fault(fault.as_ref());
                self.cli_refund(*pay, *ask, *keyed).await;
            }
            Action::CliRetry { key } => self.cli_retry(*key).await,
            Action::AdminRefund {
                pay,
                permille,
                confirms,
                fault,
            } => {
                self.admin_refund(*pay, *permille, *confirms, fault.as_ref())
                    .await;
            }
            Action::AppRefund { pay, ask } => self.app_refund(*pay, *ask).await,
            Action::Fault {
                operation,
                fault,
                times,
            } => {
                self.sandbox
                    .faults()
                    .set(*operation, fault.clone(), Some(u32::from(*times)));
            }
            Action::ClearFaults => self.sandbox.faults().clear_all(),
            Action::LoseWebhooks => self.lose_webhooks(true),
            Action::RestoreWebhooks => self.lose_webhooks(false),
            Action::Copies(copies) => self.sandbox.set_webhook_copies(u32::from(*copies)),
            Action::Shape { documented } => self.sandbox.set_webhook_shape(if *documented {
                athm_sandbox::WebhookShape::Documented
            } else {
                athm_sandbox::WebhookShape::Observed
            }),
            Action::Replay { picks } => self.replay(picks).await,
            Action::Forge {
                forgery,
                pay,
                documented,
                salt,
            } => self.forge(*forgery, *pay, *documented, *salt).await,
            Action::Sync => {
                let done = self.sync().await;
                self.note(format!("sync: {done:?}"));
            }
            Action::Reprocess => {
                let done = self.cli(&["webhooks", "reprocess"]).await;
                self.note(format!("reprocess: {done:?}"));
            }
            Action::SettlePending => {
                let done = self.services.reconciler.settle_pending_refunds().await;
                self.note(format!("settle pending refunds: {done:?}"));
            }
            Action::Restart => self.restart().await,
            Action::Pause { millis } => {
                tokio::time::sleep(Duration::from_millis(u64::from(*millis))).await;
            }
        }
    }

    /// The customer, the checkout page and the app: initiate, the
    /// customer's answer beside the page's first poll, then the page's move.
    async fn checkout(&mut self, cents: u32, customer: Customer, browser: Browser) {
        let order =
            json!({ "total": money(cents), "metadata1": format!("Sim order {}", self.action) });
        let token = match self.post_api("checkouts", &order, None).await {
            Ok((status, body)) if status.is_success() => {
                body["checkout"].as_str().map(String::from)
            }
            other => {
                self.note(format!("checkout token refused: {other:?}"));
                return;
            }
        };
        let Some(token) = token else { return };
        let started = self
            .post_api(
                "initiate",
                &json!({ "checkout": token, "phone_number": PHONE }),
                None,
            )
            .await;
        let (id, session) = match &started {
            Ok((status, body)) if status.is_success() => (
                body["ecommerce_id"]
                    .as_str()
                    .and_then(|id| id.parse::<Uuid>().ok()),
                body["session"].as_str().map(String::from),
            ),
            _ => (None, None),
        };
        let (Some(id), Some(session)) = (id, session) else {
            self.note(format!("initiate failed: {started:?}"));
            return;
        };
        self.payments.push(id);
        self.sessions.insert(id, session.clone());

        let sandbox = self.sandbox.handle();
        let answer = async move {
            match customer {
                Customer::Approves => sandbox.confirm(id, CustomerInput::default()).map(|_| ()),
                Customer::Declines => sandbox.decline(id).map(|_| ()),
                Customer::WalksAway => Ok(()),
            }
        };
        let (answered, polled) = tokio::join!(answer, self.status(id, &session));
        let polled = polled.map(|(s, b)| (s, b["status"].clone()));
        let moved = match browser {
            Browser::Authorizes => {
                vec![
                    self.post_api("authorize", &json!({ "ecommerce_id": id }), Some(&session))
                        .await,
                ]
            }
            Browser::Cancels => {
                vec![
                    self.post_api("cancel", &json!({ "ecommerce_id": id }), Some(&session))
                        .await,
                ]
            }
            Browser::Races => {
                let body = json!({ "ecommerce_id": id });
                let (a, c) = tokio::join!(
                    self.post_api("authorize", &body, Some(&session)),
                    self.post_api("cancel", &body, Some(&session)),
                );
                vec![a, c]
            }
            Browser::Leaves => Vec::new(),
        };
        let moved: Vec<String> = moved.iter().map(short).collect();
        self.note(format!(
            "checkout {id} {}: customer {customer:?} ({}), poll {polled:?}, browser {browser:?} {moved:?}",
            money(cents),
            if answered.is_ok() { "ok" } else { "refused" },
        ));
    }

    /// A payment made at another shop front of the business: created,
    /// approved and authorized at ATH Móvil directly.
    async fn elsewhere(&mut self, cents: u32) {
        let body = json!({
            "publicToken": DEMO_PUBLIC_TOKEN, "timeout": "600", "total": money(cents),
            "metadata1": "Sold elsewhere", "metadata2": "", "phoneNumber": PHONE, "items": [],
        });
        let created = self.post_sandbox("payment", &body, None).await;
        let data = created.as_ref().ok().map(|(_, b)| b["data"].clone());
        let id = data
            .as_ref()
            .and_then(|d| d["ecommerceId"].as_str())
            .and_then(|id| id.parse::<Uuid>().ok());
        let token = data
            .as_ref()
            .and_then(|d| d["auth_token"].as_str())
            .map(String::from);
        let (Some(id), Some(token)) = (id, token) else {
            self.note(format!("elsewhere: create failed {created:?}"));
            return;
        };
        self.payments.push(id);
        let confirmed = self.sandbox.confirm(id, CustomerInput::default());
        let authorized = self
            .post_sandbox("authorization", &json!({}), Some(&token))
            .await;
        self.note(format!(
            "elsewhere {id} {}: confirmed {}, authorized {}",
            money(cents),
            confirmed.is_ok(),
            short(&authorized)
        ));
    }

    /// The payment `pick` names: mostly one ATH Móvil completed, now and then any.
    fn payment_for_refund(&self, pick: u32) -> Option<Uuid> {
        let completed: Vec<Uuid> = self
            .payments
            .iter()
            .copied()
            .filter(|id| {
                self.sandbox
                    .payment(*id)
                    .is_some_and(|p| p.status == Remote::Completed)
            })
            .collect();
        let pool = if pick.is_multiple_of(8) || completed.is_empty() {
            &self.payments
        } else {
            &completed
        };
        (!pool.is_empty()).then(|| pool[(pick / 8) as usize % pool.len()])
    }

    /// The amount `ask` asks of payment `id`: `None` for all that is left.
    async fn amount_for(&self, id: Uuid, ask: Ask) -> Option<Decimal> {
        let permille = match ask {
            Ask::Rest => return None,
            Ask::Part(permille) => permille,
            Ask::Dollars(dollars) => {
                let left = self.sandbox.payment(id)?.refundable();
                let whole = Decimal::from(dollars);
                return Some(if left.is_zero() {
                    whole
                } else {
                    whole.min(left)
                });
            }
            Ask::SameAsPending => {
                // This payment's pending refund, else another payment's.
                let pending = self
                    .services
                    .store
                    .pending_refunds()
                    .await
                    .unwrap_or_default();
                let mine = pending.iter().find(|r| r.ecommerce_id.uuid() == id);
                match mine.or(pending.first()) {
                    Some(refund) => return Some(refund.amount.value()),
                    None => 500,
                }
            }
        };
        let payment = self.sandbox.payment(id)?;
        let left = payment.refundable();
        let base = if left.is_zero() { payment.total } else { left };
        let amount = (base * Decimal::from(permille) / Decimal::from(1000)).round_dp(2);
        Some(amount.max(Decimal::new(1, 2)))
    }

    async fn library_refund(&mut self, pick: u32, ask: Ask, burst: u8) {
        let Some(id) = self.payment_for_refund(pick) else {
            return;
        };
        let amount = self
            .amount_for(id, ask)
            .await
            .map(|a| Amount::new(a).expect("a two-place amount"));
        let tag = self.new_intent(Via::Library, id);
        let call = LibraryCall {
            payment: id,
            amount,
            intent: RefundIntent::random(),
            tag,
        };
        self.library_calls.push(call.clone());
        self.send_library(&call, burst).await;
    }

    async fn library_retry(&mut self, pick: u32) {
        if self.library_calls.is_empty() {
            return;
        }
        let call = self.library_calls[pick as usize % self.library_calls.len()].clone();
        self.send_library(&call, 1).await;
    }

    /// `burst` identical calls at once.
    async fn send_library(&mut self, call: &LibraryCall, burst: u8) {
        self.sent(&call.tag, u32::from(burst));
        let message: RefundMessage = call.tag.parse().expect("a short message");
        let id = EcommerceId::new(call.payment);
        let payments = self.services.payments.clone();
        let outcomes = join_all((0..burst).map(|_| {
            let (payments, message, intent) =
                (payments.clone(), message.clone(), call.intent.clone());
            async move { payments.refund(&id, call.amount, message, intent).await }
        }))
        .await;
        let mut said = Vec::new();
        for outcome in &outcomes {
            said.push(match outcome {
                Ok(refund) => {
                    if refund.status == RefundStatus::Completed {
                        self.answers.push(Answer {
                            tag: call.tag.clone(),
                            reference: refund.reference_number.as_ref().map(ToString::to_string),
                            amount: refund.amount.to_string(),
                            action: self.action,
                        });
                    }
                    format!("ok {} {}", refund.status, refund.amount)
                }
                Err(PaymentError::RefundPending { .. }) => "pending".into(),
                Err(PaymentError::RefundRefused { reason, .. }) => format!("refused ({reason})"),
                Err(PaymentError::Rule(rule)) => format!("rule ({rule})"),
                Err(other) => format!("error ({other})"),
            });
        }
        let amount = call.amount.map_or("rest".into(), |a| a.to_string());
        self.note(format!(
            "library refund {} of {} ×{burst} [{}]: {said:?}",
            amount, call.payment, call.tag
        ));
    }

    async fn cli_refund(&mut self, pick: u32, ask: Ask, keyed: bool) {
        let Some(id) = self.payment_for_refund(pick) else {
            return;
        };
        let Some(reference) = self.sandbox.payment(id).and_then(|p| p.reference_number) else {
            self.note(format!(
                "cli refund: {id} has no reference number at ATH Móvil"
            ));
            return;
        };
        let amount = self.amount_for(id, ask).await.map(|a| format!("{a:.2}"));
        let tag = self.new_intent(Via::Cli, id);
        let call = CliCall {
            reference,
            amount,
            key: if keyed {
                format!("key-{tag}")
            } else {
                String::new()
            },
            tag,
        };
        if keyed {
            self.cli_calls.push(call.clone());
        }
        self.run_cli_refund(&call).await;
    }

    async fn cli_retry(&mut self, pick: u32) {
        if self.cli_calls.is_empty() {
            return;
        }
        let call = self.cli_calls[pick as usize % self.cli_calls.len()].clone();
        self.run_cli_refund(&call).await;
    }

    async fn run_cli_refund(&mut self, call: &CliCall) {
        self.sent(&call.tag, 1);
        let mut args = vec!["refund", call.reference.as_str(), "--message", &call.tag];
        if let Some(amount) = &call.amount {
            args.extend_from_slice(&["--amount", amount]);
        }
        if !call.key.is_empty() {
            args.extend_from_slice(&["--idempotency-key", &call.key]);
        }
        let done = self.cli(&args).await;
        self.note(format!(
            "cli refund {} of {} [{}]: {done:?}",
            call.amount.as_deref().unwrap_or("rest"),
            call.reference,
            call.tag
        ));
    }

    /// Arms `fault` on ATH Móvil's next refund call.
    fn arm_refund_fault(&self, fault: Option<&athm_sandbox::Fault>) {
        if let Some(fault) = fault {
            self.sandbox
                .faults()
                .set(athm_sandbox::Operation::Refund, fault.clone(), Some(1));
        }
    }

    async fn admin_refund(
        &mut self,
        pick: u32,
        permille: u16,
        confirms: u8,
        fault: Option<&athm_sandbox::Fault>,
    ) {
        let Some(id) = self.payment_for_refund(pick) else {
            return;
        };
        let amount = self
            .amount_for(id, Ask::Part(permille))
            .await
            .map_or_else(String::new, |a| format!("{a:.2}"));
        let tag = self.new_intent(Via::Admin, id);
        let path = format!("/payments/{id}/refund");
        self.log_in().await;
        let admin = self.admin.as_ref().expect("logged in");
        let review = admin
            .try_post(
                &path,
                &[
                    ("csrf", &admin.csrf),
                    ("amount", &amount),
                    ("message", &tag),
                ],
            )
            .await;
        let intent = review
            .as_ref()
            .ok()
            .and_then(|(_, page)| crate::admin::hidden_value(page, "intent"));
        let Some(intent) = intent else {
            let status = review.map(|(s, _)| s).map_err(|e| e.to_string());
            self.note(format!(
                "admin refund {amount} of {id} [{tag}]: review refused {status:?}"
            ));
            return;
        };
        if let Some(fault) = fault {
            self.sandbox
                .faults()
                .set(athm_sandbox::Operation::Refund, fault.clone(), Some(1));
        }
        let confirm = format!("{path}/confirm");
        let form = [
            ("csrf", admin.csrf.as_str()),
            ("amount", &amount),
            ("message", &tag),
            ("intent", &intent),
        ];
        let answers = join_all((0..confirms).map(|_| admin.try_post(&confirm, &form))).await;
        let statuses: Vec<String> = answers
            .iter()
            .map(|a| match a {
                Ok((status, _)) => status.as_u16().to_string(),
                Err(e) => format!("error {e}"),
            })
            .collect();
        self.sent(&tag, u32::from(confirms));
        self.note(format!(
            "admin refund {amount} of {id} [{tag}] confirmed ×{confirms}: {statuses:?}"
        ));
    }

    async fn app_refund(&mut self, pick: u32, ask: Ask) {
        let Some(id) = self.payment_for_refund(pick) else {
            return;
        };
        let amount = self.amount_for(id, ask).await;
        let tag = self.app_tag();
        let done = self.sandbox.refund_in_business_app(id, amount, &tag);
        self.note(format!(
            "business app refund {amount:?} of {id} [{tag}]: {}",
            match done {
                Ok(refund) => format!("ok {}", refund.reference_number),
                Err(e) => format!("refused {e}"),
            }
        ));
    }

    /// Genuine deliveries, one per ATH Móvil event, oldest first.
    pub fn genuine(&self) -> Vec<Value> {
        self.genuine_with_ids()
            .into_iter()
            .map(|(_, b)| b)
            .collect()
    }

    /// Posts genuine deliveries again, at once, in the order picked: mostly
    /// ones that never reached the app (late), else any (duplicates).
    async fn replay(&mut self, picks: &[u32]) {
        let log = self.sandbox.deliveries();
        let reached: std::collections::HashSet<u64> = log
            .iter()
            .filter(|d| d.delivered())
            .map(|d| d.event_id)
            .collect();
        let lost: Vec<Value> = self
            .genuine_with_ids()
            .into_iter()
            .filter(|(id, _)| !reached.contains(id))
            .map(|(_, body)| body)
            .collect();
        let genuine = self.genuine();
        let bodies: Vec<Value> = picks
            .iter()
            .filter_map(|p| {
                let pool = if p % 10 < 7 && !lost.is_empty() {
                    &lost
                } else {
                    &genuine
                };
                (!pool.is_empty()).then(|| pool[(*p / 10) as usize % pool.len()].clone())
            })
            .collect();
        if bodies.is_empty() {
            return;
        }
        let answers = join_all(bodies.iter().map(|b| self.post_webhook(b))).await;
        let kinds: Vec<String> = bodies.iter().map(describe).collect();
        self.note(format!("replayed {kinds:?}: {answers:?}"));
    }

    /// Genuine deliveries with their event numbers, one per event, oldest first.
    fn genuine_with_ids(&self) -> Vec<(u64, Value)> {
        let mut seen = std::collections::HashSet::new();
        self.sandbox
            .deliveries()
            .into_iter()
            .filter(|d| seen.insert(d.event_id))
            .map(|d| (d.event_id, d.payload))
            .collect()
    }
}

/// `cents` as `D.CC`.
pub fn money(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A body in a few words: its kind, status and reference.
pub fn describe(body: &Value) -> String {
    format!(
        "{} {} {}",
        body["transactionType"].as_str().unwrap_or("?"),
        body["status"].as_str().unwrap_or("?"),
        body["referenceNumber"]
            .as_str()
            .or(body["ecommerceId"].as_str())
            .unwrap_or("?")
    )
}

fn short(answer: &Result<(reqwest::StatusCode, Value), String>) -> String {
    match answer {
        Ok((status, body)) => match body["status"].as_str() {
            Some(said) => format!("{} {said}", status.as_u16()),
            None => format!(
                "{} {}",
                status.as_u16(),
                body["error"].as_str().unwrap_or("")
            ),
        },
        Err(e) => format!("no answer: {e}"),
    }
}
