//! `athm doctor`: is this installation ready to take real money?

use std::process::ExitCode;

use athm_domain::model::EcommerceId;
use athm_domain::ports::{AdminQueries, AthmGateway, Clock, GatewayError, SystemClock};
use chrono::Datelike;

use athm_store::SqlStore;

use crate::startup::gateway;
use crate::{AppError, Settings};

/// One check's verdict.
struct Check {
    name: &'static str,
    result: Result<String, String>,
}

/// Runs every check, prints each verdict, and fails if any failed.
pub(crate) async fn doctor(settings: Settings) -> Result<ExitCode, AppError> {
    let mut checks = vec![Check {
        name: "ATH Móvil tokens",
        result: match settings.tokens() {
            Ok(Some(_)) => Ok("public and private tokens are set".into()),
            Ok(None) => Err("set ATHM_PUBLIC_TOKEN and ATHM_PRIVATE_TOKEN (without them only the sandbox is used)".into()),
            Err(error) => Err(error.to_string()),
        },
    }];
    checks.push(Check {
        name: "ATH Móvil reachable",
        result: match gateway(&settings, None) {
            Err(error) => Err(error.to_string()),
            Ok(client) => {
                let probe = EcommerceId::new(uuid_nil());
                match client.find_payment(&probe).await {
                    Ok(_) | Err(GatewayError::Refused { .. }) => {
                        Ok(format!("{} answers", settings.payments_url))
                    }
                    Err(error) => Err(error.to_string()),
                }
            }
        },
    });
    checks.push(Check {
        name: "webhook URL",
        result: match settings.effective_webhook_url() {
            Some(url) if url.starts_with("https://") => Ok(url),
            Some(url) => Err(format!(
                "{url} is not HTTPS; ATH Móvil will not deliver to it"
            )),
            None => Err("set ATHM_WEBHOOK_URL or ATHM_PUBLIC_URL".into()),
        },
    });
    checks.push(Check {
        name: "database",
        result: match SqlStore::connect(&settings.database_url).await {
            Err(error) => Err(error.to_string()),
            Ok(store) => match store.pending_migrations().await {
                Ok(pending) if pending.is_empty() => match store.ping().await {
                    Ok(()) => Ok("reachable, migrated and accepts writes".into()),
                    Err(error) => Err(format!("reachable and migrated, but {error}")),
                },
                Ok(pending) => Err(format!(
                    "{} migration(s) pending ({}); run `athm migrate`",
                    pending.len(),
                    pending.join(", ")
                )),
                Err(error) => Err(error.to_string()),
            },
        },
    });
    let now = SystemClock.now();
    checks.push(Check {
        name: "clock",
        result: if (2024..2100).contains(&now.year()) {
            Ok(format!("{now}"))
        } else {
            Err(format!("the system clock says {now}; fix it, ATH Móvil's report and token expiry depend on it"))
        },
    });

    let mut healthy = true;
    for check in &checks {
        match &check.result {
            Ok(detail) => println!("ok    {:<20} {detail}", check.name),
            Err(problem) => {
                healthy = false;
                println!("FAIL  {:<20} {problem}", check.name);
            }
        }
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}
