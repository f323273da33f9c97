//! Browser tests: headless Chromium, driven over WebDriver (chromedriver),
//! through the demo checkout, the payment button's modal and the admin pages,
//! with an axe-core accessibility check on every page.
//!
//! They need Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them) and fail, never skip, when those are missing. They write
//! `docs/images/checkout-modal.png` and `docs/images/admin-payment.png`.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod admin;
mod checkout;
mod helpers;
