//! GET /transactions/v4/transactionReport (with a JSON body).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::gate::guarded;
use super::{Conn, answer};
use crate::faults::Operation;
use crate::ledger::ReportRange;
use crate::state::Shared;
use crate::wire::fields;

/// Answers a JSON array of the business's transactions in the range.
pub(crate) async fn report(State(s): State<Arc<Shared>>, conn: Conn, body: Bytes) -> Response {
    let shared = s.clone();
    guarded(&s, Operation::Report, conn, async move {
        answer((|| {
            let obj = fields::object(&body)?;
            let merchant = shared.merchant_with_secret(
                &fields::string(&obj, "publicToken")?,
                &fields::string(&obj, "privateToken")?,
            )?;
            let from = fields::opt_string(&obj, "fromDate")?.unwrap_or_default();
            let to = fields::opt_string(&obj, "toDate")?.unwrap_or_default();
            let range =
                ReportRange::parse(&from, &to, shared.config.report_max_days, shared.now())?;
            Ok(Json(
                shared
                    .ledger
                    .report(merchant, range, shared.config.inspection_fields)?,
            )
            .into_response())
        })())
    })
    .await
}
