//! The admin pages: log in, find a payment by phone, refund part of it with
//! a confirmation step, see the refund and the webhook timeline; both languages.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, PATIENCE, World};

/// A completed payment of the demo order, paid over the checkout API and
/// approved through the sandbox's control API; returns its ecommerce id.
async fn completed_payment(world: &World, phone: &str) -> String {
    let http = reqwest::Client::new();
    let shop = http
        .get(world.url("/"))
        .send()
        .await
        .expect("the shop answers")
        .text()
        .await
        .expect("the shop page");
    let token = shop
        .split("data-athm-checkout=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the shop page has a signed checkout");
    let started: Value = http
        .post(world.url("/athm/api/initiate"))
        .json(&json!({ "checkout": token, "phone_number": phone }))
        .send()
        .await
        .expect("initiate answers")
        .json()
        .await
        .expect("initiate's JSON");
    let id = started["ecommerce_id"]
        .as_str()
        .expect("an ecommerce id")
        .to_string();
    let session = started["session"].as_str().expect("a session").to_string();
    let confirmed = http
        .post(format!("{}/sandbox/payments/{id}/confirm", world.sandbox))
        .json(&json!({ "phoneNumber": phone, "name": "Valeria Herrero", "email": "valeria@example.com" }))
        .send()
        .await
        .expect("the sandbox answers");
    assert!(confirmed.status().is_success(), "the customer approves");
    let deadline = Instant::now() + PATIENCE;
    loop {
        // The app's confirm watcher may authorize first; either way it ends COMPLETED.
        let answer: Value = http
            .post(world.url("/athm/api/authorize"))
            .header("x-athm-session", &session)
            .json(&json!({ "ecommerce_id": id }))
            .send()
            .await
            .expect("authorize answers")
            .json()
            .await
            .unwrap_or_default();
        if answer["status"] == "COMPLETED" {
            return id;
        }
        assert!(Instant::now() < deadline, "the payment completes: {answer}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_finds_a_payment_by_phone_and_refunds_part_of_it() {
    let world = World::start().await;
    let id = completed_payment(&world, "7875550104").await;
    let _other = completed_payment(&world, "7875550199").await;

    // Anonymous visitors are sent to the login page.
    world.goto("/athm/admin/payments?lang=en").await;
    world
        .until(
            "the login page",
            "location.pathname === '/athm/admin/login'",
        )
        .await;
    world.until_text("Log in to the admin").await;
    world.assert_accessible("the login page (en)").await;
    world
        .find("#password")
        .await
        .send_keys("wrong")
        .await
        .expect("type");
    world
        .find("form button[type=submit]")
        .await
        .click()
        .await
        .expect("log in");
    world.until_text("The password is not right.").await;
    world
        .find("#password")
        .await
        .send_keys(ADMIN_PASSWORD)
        .await
        .expect("type");
    world
        .find("form button[type=submit]")
        .await
        .click()
        .await
        .expect("log in");
    world
        .until(
            "the payments list",
            "location.pathname === '/athm/admin/payments'",
        )
        .await;
    world.until_text("Payments").await;
    world.assert_accessible("the payments list (en)").await;

    // Find it by the customer's phone.
    world
        .find("#q")
        .await
        .send_keys("7875550104")
        .await
        .expect("type the phone");
    world
        .find("form.filters button[type=submit]")
        .await
        .click()
        .await
        .expect("search");
    world
        .until("the search", "location.search.indexOf('q=7875550104') >= 0")
        .await;
    world.until_text("1 results").await;
    let links = world
        .js("return Array.from(document.querySelectorAll('tbody a')).map(function (a) { return a.textContent; })")
        .await;
    assert_eq!(
        links,
        json!([id]),
        "only the payment of that phone is listed"
    );
    world
        .find("tbody a")
        .await
        .click()
        .await
        .expect("open the payment");
    world.until_text("Payment of $10.50").await;
    world.until_text("Valeria Herrero").await;
    // The items were bound in the shop's language (Spanish) when the order was signed.
    world.until_text("Taza de café de Yauco").await;
    // The completed webhook, in the payment's timeline.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = world.js("return document.body.innerText").await;
        if page
            .as_str()
            .unwrap_or_default()
            .contains("Webhook: ecommerce_completed")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the completed webhook reaches the timeline"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        world.browser.refresh().await.expect("reload");
    }
    world.assert_accessible("the payment page (en)").await;

    // A partial refund, reviewed, then confirmed.
    let amount = world.find("#amount").await;
    amount.clear().await.expect("clear the amount");
    amount.send_keys("2.00").await.expect("type the amount");
    world
        .find("#message")
        .await
        .send_keys("Taza rota")
        .await
        .expect("type the message");
    world
        .find("#refund-title ~ form button[type=submit]")
        .await
        .click()
        .await
        .expect("review");
    world.until_text("Confirm the refund").await;
    world
        .until_text("$2.00 of this $10.50 payment will go back to the customer Valeria Herrero (7875550104).")
        .await;
    world
        .assert_accessible("the refund confirmation (en)")
        .await;
    let confirmation = world
        .js("var f = document.querySelector('form.actions'); \
             return [f.getAttribute('action'), new URLSearchParams(new FormData(f)).toString()];")
        .await;
    world
        .find("button.danger")
        .await
        .click()
        .await
        .expect("confirm the refund");
    world.until_text("Refund of $2.00 completed.").await;
    world.until_text("Taza rota").await;
    world.until_text("Refundable").await;
    world.until_text("$8.50").await;
    // The refund webhook joins the timeline.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = world.js("return document.body.innerText").await;
        if page
            .as_str()
            .unwrap_or_default()
            .contains("Webhook: refund")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refund webhook reaches the timeline"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        world.browser.refresh().await.expect("reload");
    }
    world
        .browser
        .set_window_size(1280, 2200)
        .await
        .expect("a tall window");
    world.screenshot("admin-payment.png").await;
    world
        .browser
        .set_window_size(1280, 900)
        .await
        .expect("back to 1280×900");

    // Sending the same confirmation again does not refund again: it shows
    // the first refund (its intent was seen).
    let again = world
        .browser
        .execute(
            "return fetch(arguments[0], { method: 'POST', \
               headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: arguments[1] }) \
             .then(function (r) { return r.text().then(function (t) { return [r.status, t]; }); });",
            vec![confirmation[0].clone(), confirmation[1].clone()],
        )
        .await
        .expect("the confirmation is sent again");
    assert_eq!(again[0], json!(200), "the first refund is shown again");
    assert!(
        again[1]
            .as_str()
            .unwrap_or_default()
            .contains("Refund of $2.00 completed."),
        "the first outcome, not a second refund"
    );
    world.browser.refresh().await.expect("reload");
    world.until_text("Refund of $2.00 completed.").await;
    let refunds = world
        .js("return document.querySelectorAll('#refunds-title ~ table tbody tr').length")
        .await;
    assert_eq!(refunds, json!(1), "one refund only");

    // The same page in Spanish.
    world
        .find("footer a[lang=es]")
        .await
        .click()
        .await
        .expect("switch to Spanish");
    world.until_text("Pago de $10.50").await;
    world.until_text("Reembolsos").await;
    world.until_text("Historial").await;
    world.assert_accessible("the payment page (es)").await;

    // The other listings render, and say so in Spanish.
    for (path, heading) in [
        ("/athm/admin/refunds", "Reembolsos"),
        ("/athm/admin/events", "Eventos de webhook"),
        ("/athm/admin/clients", "Clientes"),
        ("/athm/admin/webhook", "Instalar el webhook"),
    ] {
        world.goto(path).await;
        world.until_text(heading).await;
        world.assert_accessible(path).await;
    }
    world.goto("/athm/admin/clients").await;
    world.until_text("Valeria Herrero").await;
    world.goto("/athm/admin/refunds?status=COMPLETED").await;
    world.until_text("Taza rota").await;

    // Reprocess and install the webhook: both forms carry the CSRF token.
    world.goto("/athm/admin/events").await;
    world
        .find("form.actions button[type=submit]")
        .await
        .click()
        .await
        .expect("reprocess");
    world.until_text("eventos procesados").await;
    world.goto("/athm/admin/webhook").await;
    world
        .find("form.stack button[type=submit]")
        .await
        .click()
        .await
        .expect("install");
    world.until_text("Webhook instalado").await;

    // Log out: the admin pages ask for the password again.
    world
        .find("header form button")
        .await
        .click()
        .await
        .expect("log out");
    world
        .until(
            "the login page",
            "location.pathname === '/athm/admin/login'",
        )
        .await;
    world.goto("/athm/admin/payments").await;
    world
        .until(
            "the login page",
            "location.pathname === '/athm/admin/login'",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_forms_without_the_session_token_are_refused() {
    let world = World::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    // The login form itself needs its token.
    let refused = http
        .post(world.url("/athm/admin/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("password=correct+horse+battery+staple&csrf=forged")
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 403);
    assert!(
        refused.headers().get("set-cookie").is_none(),
        "no session without the token"
    );

    // Log in in the browser, then post a form with the session cookie but a forged token.
    world.goto("/athm/admin/login").await;
    world
        .find("#password")
        .await
        .send_keys(ADMIN_PASSWORD)
        .await
        .expect("type");
    world
        .find("form button[type=submit]")
        .await
        .click()
        .await
        .expect("log in");
    world
        .until(
            "the payments list",
            "location.pathname === '/athm/admin/payments'",
        )
        .await;
    let forged = world
        .js("return fetch('/athm/admin/events/reprocess', { method: 'POST', \
               headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=forged' }) \
             .then(function (r) { return r.status; })")
        .await;
    assert_eq!(forged, json!(403));
    let cookie = world
        .browser
        .get_named_cookie("athm_admin")
        .await
        .expect("the session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(
        cookie.same_site().map(|s| format!("{s:?}")).as_deref(),
        Some("Strict")
    );
}
