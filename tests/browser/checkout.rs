//! The demo checkout: pay, decline, expire.

use serde_json::Value;

use crate::helpers::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_pays_in_the_demo_checkout_and_lands_on_the_success_page() {
    let world = World::start().await;
    world.goto("/?lang=es").await;
    world.until_text("Tienda de demostración").await;
    world.find("[data-athm-theme='btn'] button.athm-pay").await;
    // Under the page's Content-Security-Policy (no injected style), the
    // button is styled by athm.css: its theme's orange.
    let background = world
        .js("return getComputedStyle(document.querySelector('.athm-theme-btn')).backgroundColor")
        .await;
    assert_eq!(background.as_str(), Some("rgb(194, 65, 12)"));
    world.assert_accessible("the demo shop (es)").await;

    world.open_modal("btn", "7875550101").await;
    world.until_text("Abre ATH Móvil en tu teléfono").await;
    let timer = world
        .js("return document.querySelector('.athm-dialog [role=timer]').textContent")
        .await;
    let timer = timer.as_str().unwrap_or_default().to_string();
    assert!(
        timer.starts_with("9:") || timer.starts_with("10:"),
        "a ten-minute countdown: {timer}"
    );
    world.assert_accessible("the payment modal, waiting").await;
    world.screenshot("checkout-modal.png").await;

    world.customer("7875550101", "approve").await;
    world
        .until("the success page", "location.pathname === '/demo/success'")
        .await;
    let url = world.here().await;
    let reference = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("reference_number="))
        .unwrap_or_default()
        .to_string();
    assert!(
        !reference.is_empty(),
        "the success URL has the reference number: {url}"
    );
    assert!(
        url.contains("ecommerce_id="),
        "the success URL has the ecommerce id: {url}"
    );
    world.until_text("¡Gracias por tu compra!").await;
    let message = world
        .find("#success-message")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(message.contains(&reference), "{message}");
    // The payment as the admin sees it: total, items, customer.
    world.until_text("Taza de café de Yauco").await;
    // The customer's name reaches athm with the webhook (ATH Móvil's
    // answers carry no customer, as in production), just after the redirect.
    world.until_text_on_reload("Valeria Herrero").await;
    world.until_text("Completado").await;
    world.assert_accessible("the success page (es)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_payment_says_so_in_english_and_reaches_the_failure_page() {
    let world = World::start().await;
    world.goto("/?lang=en").await;
    world.until_text("Demo shop").await;
    world.until_text("Pay with ATH Móvil").await;
    world.open_modal("btn-dark", "7875550102").await;
    world.until_text("Open ATH Móvil on your phone").await;

    world.customer("7875550102", "decline").await;
    world
        .until_text("The payment was declined or cancelled in ATH Móvil. Nothing was charged.")
        .await;
    world.assert_accessible("the payment modal, declined").await;
    let focused = world.js("return document.activeElement.textContent").await;
    assert_eq!(
        focused,
        Value::String("Continue".into()),
        "the focus is on the way on"
    );
    world
        .find(".athm-dialog .athm-primary")
        .await
        .click()
        .await
        .expect("continue");
    world
        .until("the failure page", "location.pathname === '/demo/failure'")
        .await;
    assert!(world.here().await.contains("status=declined"));
    let message = world
        .find("#failure-message")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(
        message,
        "The payment was declined or cancelled in ATH Móvil. Nothing was charged."
    );
    world.assert_accessible("the failure page (en)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_countdown_reaches_zero_and_the_payment_expires() {
    let world = World::start().await;
    world.goto("/?lang=es").await;
    world.open_modal("btn-light", "7875550103").await;
    world.until_text("Abre ATH Móvil en tu teléfono").await;
    // Ten real minutes are too long for a test: move the page's clock
    // forward instead, as if the customer had left the phone in a drawer.
    world
        .js("var real = Date.now.bind(Date); Date.now = function () { return real() + 599 * 1000; }; return true;")
        .await;
    world
        .until(
            "the countdown at 0:00",
            "document.querySelector('.athm-dialog [role=timer]') && \
             document.querySelector('.athm-dialog [role=timer]').textContent === '0:00'",
        )
        .await;
    world
        .until_text("Se acabó el tiempo para aprobar el pago. No se cobró nada.")
        .await;
    world.assert_accessible("the payment modal, expired").await;
    world
        .find(".athm-dialog .athm-primary")
        .await
        .click()
        .await
        .expect("continue");
    world
        .until("the failure page", "location.pathname === '/demo/failure'")
        .await;
    assert!(world.here().await.contains("status=expired"));
    world
        .until_text("Se acabó el tiempo para aprobar el pago")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_modal_keeps_the_focus_and_escape_cancels() {
    let world = World::start().await;
    world.goto("/?lang=en").await;
    let button = world.find("[data-athm-theme='btn'] button.athm-pay").await;
    button.click().await.expect("open the modal");
    world.find(".athm-dialog input[type=tel]").await;
    // Tab from the last control wraps to the first; the page behind is unreachable.
    for _ in 0..4 {
        world
            .browser
            .active_element()
            .await
            .expect("a focused element")
            .send_keys("\u{e004}")
            .await
            .expect("press Tab");
    }
    let inside = world
        .js("return !!document.activeElement.closest('.athm-dialog')")
        .await;
    assert_eq!(inside, Value::Bool(true), "the focus stays in the dialog");
    // A wrong phone number is explained, in English.
    world
        .find(".athm-dialog input[type=tel]")
        .await
        .send_keys("123")
        .await
        .expect("type");
    world
        .find(".athm-dialog button[type=submit]")
        .await
        .click()
        .await
        .expect("submit");
    world.until_text("Enter a 10-digit phone number.").await;
    let invalid = world
        .js("return document.querySelector('.athm-dialog input').getAttribute('aria-invalid')")
        .await;
    assert_eq!(invalid, Value::String("true".into()));
    // Escape closes it and gives the focus back to the button.
    world
        .browser
        .active_element()
        .await
        .expect("a focused element")
        .send_keys("\u{e00c}")
        .await
        .expect("press Escape");
    world
        .until(
            "the modal closed",
            "!document.querySelector('.athm-dialog')",
        )
        .await;
    let back = world
        .js("return document.activeElement.classList.contains('athm-pay')")
        .await;
    assert_eq!(back, Value::Bool(true), "the focus returns to the button");
}
