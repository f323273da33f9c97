//! `athm healthcheck`: asks the `athm serve` listening on `--listen` for
//! `/healthz`, so a container's health check needs no curl or shell.

use std::process::ExitCode;
use std::time::Duration;

use crate::{AppError, Settings};

/// How long the service has to answer.
const PATIENCE: Duration = Duration::from_secs(5);

/// Exits 0 when the service answers `/healthz` with 200 (its database
/// answers and accepts writes), 1 otherwise, saying why.
pub(crate) async fn healthcheck(settings: Settings) -> Result<ExitCode, AppError> {
    let url = health_url(&settings.listen);
    // The service is on this machine: never through an HTTP_PROXY.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .map_err(|e| AppError::Config(format!("cannot build an HTTP client: {e}")))?;
    match client.get(&url).send().await {
        Ok(answer) if answer.status().is_success() => {
            println!("healthy: {url} answered {}", answer.status());
            Ok(ExitCode::SUCCESS)
        }
        Ok(answer) => {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            eprintln!("unhealthy: {url} answered {status}: {}", body.trim());
            Ok(ExitCode::FAILURE)
        }
        Err(error) => {
            eprintln!(
                "unhealthy: no answer from {url} within {}s ({}); is `athm serve` running with this --listen (ATHM_LISTEN)?",
                PATIENCE.as_secs(),
                athm_domain::error_chain(&error)
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The `/healthz` URL of a service listening on `listen` (`host:port`): a
/// service listening on every address (`0.0.0.0`, `[::]`) is asked on loopback.
fn health_url(listen: &str) -> String {
    let (host, port) = listen.rsplit_once(':').unwrap_or((listen, "8000"));
    let host = match host {
        "" | "0.0.0.0" => "127.0.0.1",
        "[::]" => "[::1]",
        host => host,
    };
    format!("http://{host}:{port}/healthz")
}

#[cfg(test)]
mod tests {
    use super::health_url;

    #[test]
    fn a_service_on_every_address_is_asked_on_loopback() {
        assert_eq!(health_url("0.0.0.0:8000"), "http://127.0.0.1:8000/healthz");
        assert_eq!(health_url("[::]:9000"), "http://[::1]:9000/healthz");
        assert_eq!(
            health_url("localhost:8000"),
            "http://localhost:8000/healthz"
        );
        assert_eq!(health_url("10.0.0.5:80"), "http://10.0.0.5:80/healthz");
    }
}
