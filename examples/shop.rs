//! An axum shop that embeds athm: its own routes and order logic, athm's
//! webhook receiver and checkout API nested under `/athm`, a checkout page
//! with the payment button, and a lifecycle-event handler that marks the
//! shop's own order paid on "payment completed".
//!
//! To stay self-contained it runs the ATH Móvil sandbox in-process, an
//! in-memory SQLite database, and plays the customer's browser and phone
//! itself; it asserts that the order ends up paid.
//!
//! Run it with `cargo run --example shop`.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{EventSinkError, PaymentKey, Store, event_sink_fn};
use athm_domain::services::Services;
use athm_domain::{Amount, LifecycleKind, Metadata, Total};
use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Sandbox, SandboxConfig};
use athm_store::SqlStore;
use athm_web::embed::{WorkerConfig, Workers};
use athm_web::{AppState, Checkout, SESSION_HEADER, WebConfig, sign_checkout};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// One of the shop's own orders.
#[derive(Debug, Clone)]
struct Order {
    total: Amount,
    paid_with: Option<String>,
}

/// The shop's own state: its orders and the key it signs checkouts with.
#[derive(Clone)]
struct Shop {
    orders: Arc<Mutex<HashMap<String, Order>>>,
    web: WebConfig,
}

impl Shop {
    fn order(&self, id: &str) -> Option<Order> {
        self.orders.lock().ok()?.get(id).cloned()
    }
}

/// `GET /checkout/{order}`: the checkout page with the payment button. The
/// amount is signed on the server; the browser only sends the token back.
async fn checkout_page(
    State(shop): State<Shop>,
    Path(order_id): Path<String>,
) -> Result<Html<String>, StatusCode> {
    let order = shop.order(&order_id).ok_or(StatusCode::NOT_FOUND)?;
    let mut checkout = Checkout::new(Total::new(order.total).map_err(|_| StatusCode::BAD_REQUEST)?);
    checkout.metadata1 =
        Metadata::parse_field("metadata1", &order_id).map_err(|_| StatusCode::BAD_REQUEST)?;
    checkout.success_url = Some(format!("/orders/{order_id}"));
    let token = sign_checkout(&shop.web, &checkout);
    Ok(Html(format!(
        r#"<!doctype html><title>Checkout {order_id}</title>
<h1>Order {order_id}: ${total}</h1>
<form id="athm-button" data-checkout="{token}" data-api="/athm/api">
  <input name="phone" placeholder="(787) 555-1234"> <button>Pay with ATH Móvil</button>
</form>
<script>
// The payment button: initiate, wait for the customer's approval in the app, authorize.
const form = document.getElementById("athm-button"), api = form.dataset.api;
form.onsubmit = async (e) => {{
  e.preventDefault();
  const post = (path, body, session) => fetch(api + path, {{method: "POST",
    headers: {{"content-type": "application/json", ...(session ? {{"{SESSION_HEADER}": session}} : {{}})}},
    body: JSON.stringify(body)}}).then(r => r.json());
  const p = await post("/initiate", {{checkout: form.dataset.checkout, phone_number: form.phone.value}});
  for (;;) {{
    await new Promise(r => setTimeout(r, 2000));
    const s = await fetch(api + "/status?ecommerce_id=" + p.ecommerce_id,
      {{headers: {{"{SESSION_HEADER}": p.session}}}}).then(r => r.json());
    if (s.status === "CONFIRM") {{ await post("/authorize", {{ecommerce_id: p.ecommerce_id}}, p.session); break; }}
    if (s.status === "COMPLETED") break;
    if (s.status === "CANCEL" || s.status === "EXPIRED") return location = p.failure_url || "/";
  }}
  location = p.success_url;
}};
</script>"#,
        total = order.total,
    )))
}

/// `GET /orders/{order}`: the shop's own view of an order.
async fn order_status(
    State(shop): State<Shop>,
    Path(order_id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let order = shop.order(&order_id).ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(json!({
        "order": order_id,
        "total": order.total.to_string(),
        "paid": order.paid_with.is_some(),
        "reference_number": order.paid_with,
    })))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ATH Móvil: the sandbox here; in production, ClientConfig::new(public, private).
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
    let gateway = AthmClient::new(
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox.base_url()),
    )?;
    // Storage: your database (SqlStore::from_connection wraps a SeaORM pool
    // you already have), or any Store of your own.
    let store = SqlStore::connect("sqlite::memory:").await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);

    // athm's use cases over those two ports.
    let services = Services::new(Arc::new(gateway), store.clone());

    let shop = Shop {
        orders: Arc::new(Mutex::new(HashMap::from([(
            "order-1001".to_string(),
            Order {
                total: "12.50".parse()?,
                paid_with: None,
            },
        )]))),
        web: WebConfig::new("change me: a long random secret of 32+ bytes"),
    };

    // Your order logic on "payment completed": a few lines.
    let on_event = {
        let (orders, store) = (shop.orders.clone(), store.clone());
        event_sink_fn(move |event| {
            let (orders, store) = (orders.clone(), store.clone());
            async move {
                if event.kind != LifecycleKind::PaymentCompleted {
                    return Ok(());
                }
                let fail = |e: &dyn std::fmt::Display| EventSinkError::new(e.to_string());
                let record = store
                    .payment(&PaymentKey::Ecommerce(event.ecommerce_id))
                    .await
                    .map_err(|e| fail(&e))?
                    .ok_or_else(|| EventSinkError::new("unknown payment"))?;
                let order_id = record.payment.metadata_1.as_str().to_string();
                let mut orders = orders.lock().map_err(|e| fail(&e))?;
                if let Some(order) = orders.get_mut(&order_id) {
                    order.paid_with = event.reference_number.map(|r| r.to_string());
                    println!("shop: order {order_id} is paid");
                }
                Ok(())
            }
        })
    };
    let workers = Workers::spawn(
        &services,
        Arc::new(on_event),
        WorkerConfig {
            relay_interval: Duration::from_millis(200),
            ..WorkerConfig::default()
        },
    );

    // The shop's router, with athm's nested under /athm.
    let athm = AppState::from_services(&services, shop.web.clone())
        .with_webhook_hook(workers.webhook_hook());
    let app = Router::new()
        .route("/", get(|| async { "Tienda: GET /checkout/order-1001" }))
        .route("/checkout/{order}", get(checkout_page))
        .route("/orders/{order}", get(order_status))
        .with_state(shop.clone())
        .nest("/athm", athm_web::router(athm));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    // ATH Móvil sends its webhooks to the nested receiver.
    sandbox.set_listener(&format!("{base}/athm/webhook"));
    println!("shop on {base}");

    // The customer's browser: open the checkout page, press the button.
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{base}/checkout/order-1001"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let token = page
        .split("data-checkout=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the page carries a signed checkout")?;
    let initiated: Value = http
        .post(format!("{base}/athm/api/initiate"))
        .json(&json!({"checkout": token, "phone_number": "7875551234"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let ecommerce_id = initiated["ecommerce_id"]
        .as_str()
        .ok_or("an ecommerce id")?;
    let session = initiated["session"].as_str().ok_or("a session")?;
    assert_eq!(
        initiated["total"], "12.50",
        "the amount comes from the server"
    );

    // The customer approves in the ATH Móvil app.
    sandbox.confirm(ecommerce_id.parse()?, CustomerInput::default())?;

    // The button polls the status, then authorizes.
    let status = |path: String| http.get(path).header(SESSION_HEADER, session).send();
    let mut confirmed = false;
    for _ in 0..50 {
        let view: Value = status(format!(
            "{base}/athm/api/status?ecommerce_id={ecommerce_id}"
        ))
        .await?
        .error_for_status()?
        .json()
        .await?;
        if view["status"] == "CONFIRM" {
            confirmed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(confirmed, "the payment reaches CONFIRM");
    let completed: Value = http
        .post(format!("{base}/athm/api/authorize"))
        .header(SESSION_HEADER, session)
        .json(&json!({"ecommerce_id": ecommerce_id}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(completed["status"], "COMPLETED");

    // ATH Móvil's webhook reaches the nested receiver…
    let delivered = sandbox
        .wait_for_deliveries(1, Duration::from_secs(10))
        .await;
    assert!(!delivered.is_empty(), "the completed webhook was delivered");
    // …and the shop's handler marked its own order paid.
    let mut order = Value::Null;
    for _ in 0..50 {
        order = http
            .get(format!("{base}/orders/order-1001"))
            .send()
            .await?
            .json()
            .await?;
        if order["paid"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(order["paid"], true, "the order is marked paid: {order}");
    assert_eq!(order["reference_number"], completed["reference_number"]);
    println!(
        "ok: order-1001 paid, reference number {}",
        order["reference_number"]
    );

    workers.shutdown().await;
    sandbox.shutdown().await;
    Ok(())
}
