//! The workspace integration suite: the real app, the sandbox and a real database, over real HTTP.

mod bad_input;
mod checkout;
mod cli;
mod helpers;
mod refunds;
mod sync;
mod webhooks;
