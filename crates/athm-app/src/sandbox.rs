//! The ATH Móvil sandbox as a tool: the in-process one of `athm serve`
//! (no tokens set) and the standalone one of `athm sandbox`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use athm_sandbox::{Merchant, RunningSandbox, Sandbox, SandboxConfig, SandboxError};

use crate::{AppError, Settings};

/// The in-process sandbox's ledger file, beside athm's SQLite database.
pub(crate) const LEDGER_FILE_NAME: &str = "athm-sandbox.json";

/// How `athm sandbox` was asked to run.
#[derive(Debug, Clone, Default)]
pub(crate) struct StandaloneOptions {
    /// Accept `http://` webhook listeners (production demands HTTPS).
    pub(crate) allow_http_listener: bool,
    /// Keep the ledger in this file across restarts (memory only when `None`).
    pub(crate) ledger_file: Option<PathBuf>,
}

/// The business the sandbox knows: the one of `--public-token` and
/// `--private-token` when both are given, the demo business when neither is.
///
/// # Errors
/// [`AppError::Config`] for a half-set configuration ([`Settings::tokens`]).
pub(crate) fn merchant(settings: &Settings) -> Result<Merchant, AppError> {
    Ok(match settings.tokens()? {
        Some((public, private)) => Merchant::new(public, private.expose(), "Sandbox Store"),
        None => Merchant::demo(),
    })
}

/// The file beside a SQLite database file (`sqlite://dir/athm.db?mode=rwc`
/// → `dir/athm-sandbox.json`); `None` for an in-memory SQLite database or
/// another database.
pub(crate) fn ledger_file_beside(database_url: &str) -> Option<PathBuf> {
    let database = crate::serve_lock::sqlite_file(database_url)?;
    let parent = database.parent().unwrap_or(Path::new(""));
    Some(parent.join(LEDGER_FILE_NAME))
}

/// Starts the in-process sandbox of `athm serve`: the demo business,
/// `http://` listeners accepted (athm's own receiver is plain HTTP on the
/// machine), the ledger kept beside the SQLite database.
///
/// # Errors
/// [`AppError::Sandbox`] when it cannot bind or its ledger file is unreadable.
pub(crate) async fn start(settings: &Settings) -> Result<RunningSandbox, AppError> {
    let config = SandboxConfig {
        addr: settings
            .sandbox_listen
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        ledger_file: ledger_file_beside(&settings.database_url),
        ..SandboxConfig::for_tests()
    };
    listen(Sandbox::start(config).await)
}

/// The sandbox's address when none is given to `athm sandbox`.
const STANDALONE_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8001);

/// A sandbox that could not bind is [`AppError::Listen`], naming its setting.
fn listen(started: Result<RunningSandbox, SandboxError>) -> Result<RunningSandbox, AppError> {
    started.map_err(|error| match error {
        SandboxError::Bind { addr, source } => AppError::Listen {
            addr: addr.to_string(),
            setting: "ATHM_SANDBOX_LISTEN / --sandbox-listen",
            source,
        },
        other => AppError::Sandbox(other),
    })
}

/// Starts the standalone sandbox of `athm sandbox`: the business of the
/// given tokens (or the demo one), HTTPS listeners only unless allowed.
///
/// # Errors
/// [`AppError::Config`] for a lone token, [`AppError::Sandbox`] otherwise.
pub(crate) async fn start_standalone(
    settings: &Settings,
    options: StandaloneOptions,
) -> Result<RunningSandbox, AppError> {
    let config = SandboxConfig {
        addr: settings.sandbox_listen.unwrap_or(STANDALONE_ADDR),
        merchants: vec![merchant(settings)?],
        allow_http_listener: options.allow_http_listener,
        ledger_file: options.ledger_file,
        ..SandboxConfig::default()
    };
    listen(Sandbox::start(config).await)
}

/// The lines that tell which tokens the sandbox accepts. A private token
/// equal to the `ATHM_PRIVATE_TOKEN` environment variable may be a real
/// one: it is not printed then.
pub(crate) fn token_lines(sandbox: &RunningSandbox, env_private: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    for merchant in &sandbox.config().merchants {
        let private = if env_private == Some(merchant.private_token.as_str()) {
            "[from ATHM_PRIVATE_TOKEN, not shown]".to_owned()
        } else {
            merchant.private_token.clone()
        };
        lines.push(format!("  public token:      {}", merchant.public_token));
        lines.push(format!("  private token:     {private}"));
    }
    lines.push(
        "  (test values: the sandbox accepts them; they are not ATH Móvil credentials)".to_owned(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::Cli;

    #[test]
    fn the_ledger_file_sits_beside_a_sqlite_file_only() {
        assert_eq!(
            ledger_file_beside("sqlite://athm.db?mode=rwc"),
            Some(PathBuf::from(LEDGER_FILE_NAME))
        );
        assert_eq!(
            ledger_file_beside("sqlite:///var/lib/athm/athm.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/athm/athm-sandbox.json"))
        );
        assert_eq!(
            ledger_file_beside("sqlite:data/athm.db"),
            Some(PathBuf::from("data/athm-sandbox.json"))
        );
        assert_eq!(ledger_file_beside("sqlite::memory:"), None);
        assert_eq!(ledger_file_beside("sqlite://file?mode=memory"), None);
        assert_eq!(ledger_file_beside("postgres://localhost/athm"), None);
    }

    #[test]
    fn the_sandbox_takes_both_tokens_or_the_demo_ones() {
        let settings = |args: &[&str]| {
            let mut all = vec!["athm", "sandbox"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).unwrap().settings
        };
        let given = merchant(&settings(&[
            "--public-token",
            "pub-1",
            "--private-token",
            "priv-1",
        ]))
        .unwrap();
        assert_eq!(
            (given.public_token.as_str(), given.private_token.as_str()),
            ("pub-1", "priv-1")
        );
        assert_eq!(merchant(&settings(&[])).unwrap(), Merchant::demo());
        assert!(matches!(
            merchant(&settings(&["--public-token", "pub-1"])),
            Err(AppError::Config(_))
        ));
    }

    #[tokio::test]
    async fn the_standalone_sandbox_is_https_only_unless_allowed_and_prints_both_tokens() {
        let cli = Cli::try_parse_from([
            "athm",
            "sandbox",
            "--sandbox-listen",
            "127.0.0.1:0",
            "--public-token",
            "pub-2",
            "--private-token",
            "priv-2",
        ])
        .unwrap();
        let strict = start_standalone(&cli.settings, StandaloneOptions::default())
            .await
            .unwrap();
        assert!(!strict.config().allow_http_listener);
        assert!(strict.config().ledger_file.is_none());
        let lines = token_lines(&strict, None).join("\n");
        assert!(
            lines.contains("pub-2") && lines.contains("priv-2"),
            "{lines}"
        );
        assert!(lines.contains("test values"), "{lines}");
        let hidden = token_lines(&strict, Some("priv-2")).join("\n");
        assert!(!hidden.contains("priv-2"), "{hidden}");
        strict.shutdown().await;

        let options = StandaloneOptions {
            allow_http_listener: true,
            ledger_file: None,
        };
        let relaxed = start_standalone(&cli.settings, options).await.unwrap();
        assert!(relaxed.config().allow_http_listener);
        relaxed.shutdown().await;
    }
}
