//! The checkout API: the amount is bound on the server.
//!
//! The merchant's backend (or its server-side page code) turns an order into
//! a signed [`Checkout`] token, with `POST /api/checkouts` or
//! [`sign_checkout`]. The browser sends only that token and the customer's
//! phone to `POST /api/initiate`, so it cannot change the amount, and gets a
//! payment session that it must present on every later call about that
//! payment. ATH Móvil's auth token never leaves the server.

mod handlers;
mod model;
mod session;
mod status;
mod token;

pub(crate) use handlers::{authorize, cancel, create, initiate, phone, status};
pub use model::origin_of;
pub use model::{Checkout, CheckoutRequest};
pub use session::{SESSION_HEADER, session_token, verify_session};
pub(crate) use status::{READS_PER_SESSION_PER_MINUTE, StatusReads};
pub use token::{TokenError, checkout_key, sign_checkout, sign_checkout_until, verify_checkout};

use crate::mac::mac;
