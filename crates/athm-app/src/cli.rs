//! The `athm` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{AppError, Settings, commands};

/// Take ATH Móvil payments on your website: a payment button, ATH Móvil's
/// notifications, refunds and a daily check against ATH Móvil's records.
#[derive(Debug, Parser)]
#[command(
    name = "athm",
    version,
    after_help = "Start with `athm serve`: without ATH Móvil tokens it runs a demo shop and a \
built-in ATH Móvil sandbox at http://127.0.0.1:8000/. Every setting is a flag or an ATHM_* \
environment variable; `athm <command> --help` shows the ones that command reads."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Settings shared by every command.
    #[command(flatten)]
    pub settings: Settings,

    /// Log filter (tracing's `EnvFilter` syntax), e.g. `info` or
    /// `info,athm_web=debug`. Logs go to stderr.
    #[arg(long, env = "ATHM_LOG", default_value = crate::telemetry::DEFAULT_FILTER, global = true)]
    pub log: String,

    /// Log lines as text (coloured only on a terminal) or JSON, one object a line.
    #[arg(
        long,
        env = "ATHM_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: crate::telemetry::LogFormat,
}

/// The `athm` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (migrates the database first).
    #[command(
        after_help = "Example:\n  athm serve    # the demo: SQLite and the built-in sandbox\n  \
ATHM_PUBLIC_TOKEN=… ATHM_PRIVATE_TOKEN=… ATHM_DATABASE_URL=postgres://athm@db/athm athm serve"
    )]
    Serve,
    /// Apply the database migrations.
    #[command(after_help = "Example:\n  athm migrate --database-url postgres://athm@db/athm")]
    Migrate,
    /// Reconcile with ATH Móvil's transaction report.
    #[command(
        after_help = "Example:\n  athm sync --from-date 2026-11-01 --to-date 2026-11-30 --dry-run"
    )]
    Sync {
        /// First day (YYYY-MM-DD, Puerto Rico time) or instant (YYYY-MM-DD HH:MM:SS).
        #[arg(long)]
        from_date: String,
        /// Last day (inclusive) or instant.
        #[arg(long)]
        to_date: String,
        /// Only say what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Subscribe the webhook URL at ATH Móvil (HTTPS only).
    #[command(
        after_help = "Example:\n  athm install-webhook https://shop.example.com/athm/webhook"
    )]
    InstallWebhook {
        /// The listener URL; default: the configured webhook URL.
        url: Option<String>,
    },
    /// Refund a completed payment by its reference number.
    #[command(
        after_help = "Example:\n  athm refund 11223344-aabbccdd11223344aabbccdd11223344 --amount 5.00 \
--message \"Returned item\" --idempotency-key order-1042-return"
    )]
    Refund {
        /// The payment's reference number.
        reference: String,
        /// How much, in dollars and cents such as 5.00 (default: all that is
        /// left); a fraction of a cent is refused, never rounded.
        #[arg(long)]
        amount: Option<String>,
        /// A message for the customer (at most 50 characters).
        #[arg(long, default_value = "")]
        message: String,
        /// This refund's idempotency key: running the command again with the
        /// same key never refunds twice, it reports the first outcome
        /// (default: a new key each run).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Stored webhook events.
    Webhooks {
        /// What to do with them.
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run the local ATH Móvil sandbox alone (on `--sandbox-listen`), for
    /// the business of `--public-token`/`--private-token` (demo tokens when
    /// neither is given).
    #[command(
        after_help = "Example:\n  athm sandbox --sandbox-listen 127.0.0.1:8001 --ledger-file sandbox.json"
    )]
    Sandbox {
        /// Accept `http://` webhook listeners (production demands HTTPS).
        #[arg(long)]
        allow_http_listener: bool,
        /// Keep the sandbox's payments and refunds in this JSON file across
        /// restarts (default: memory only).
        #[arg(long)]
        ledger_file: Option<std::path::PathBuf>,
    },
    /// Check the configuration, ATH Móvil, the database and the clock.
    #[command(after_help = "Example:\n  ATHM_PUBLIC_TOKEN=… ATHM_PRIVATE_TOKEN=… athm doctor")]
    Doctor,
    /// Ask the service running on `--listen` for `/healthz` (exit 0 when
    /// healthy): a container health check without curl.
    #[command(
        after_help = "Example (a Dockerfile):\n  HEALTHCHECK CMD [\"athm\", \"healthcheck\"]"
    )]
    Healthcheck,
}

/// `athm webhooks …`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Process again every pending or failed webhook event.
    #[command(
        after_help = "Example:\n  athm webhooks reprocess --database-url sqlite:///var/lib/athm/athm.db"
    )]
    Reprocess,
}

/// The settings that reach ATH Móvil.
const ATH_MOVIL: &[&str] = &[
    "public_token",
    "private_token",
    "payments_url",
    "www_url",
    "gateway_timeout_secs",
];

/// The settings that build the webhook URL.
const WEBHOOK_URL: &[&str] = &["public_url", "webhook_url", "prefix", "webhook_path_secret"];

/// A command's words (`["webhooks", "reprocess"]`).
type CommandPath = &'static [&'static str];

/// Groups of settings, by their ids (field names).
type Reads = Option<&'static [&'static [&'static str]]>;

/// The shared settings each command reads besides the logs' (`None`: all of
/// them); its help shows only those.
const READS: &[(CommandPath, Reads)] = &[
    (&["serve"], None),
    (&["migrate"], Some(&[&["database_url"]])),
    (&["sync"], Some(&[&["database_url"], ATH_MOVIL])),
    (&["install-webhook"], Some(&[ATH_MOVIL, WEBHOOK_URL])),
    (&["refund"], Some(&[&["database_url"], ATH_MOVIL])),
    (
        &["webhooks", "reprocess"],
        Some(&[&["database_url", "verify_webhooks"], ATH_MOVIL]),
    ),
    (
        &["sandbox"],
        Some(&[&["sandbox_listen", "public_token", "private_token"]]),
    ),
    (
        &["doctor"],
        Some(&[&["database_url"], ATH_MOVIL, WEBHOOK_URL]),
    ),
    (&["healthcheck"], Some(&[&["listen"]])),
];

impl Cli {
    /// The command line, with each command's `--help` showing only the
    /// shared settings that command reads (every setting is still accepted
    /// everywhere, as an environment variable is).
    pub fn command_with_focused_help() -> clap::Command {
        let mut command = <Self as clap::CommandFactory>::command();
        // Propagates the shared settings into every command, so that they
        // can be hidden there.
        command.build();
        let shared: Vec<String> = command
            .get_arguments()
            .filter(|arg| arg.is_global_set())
            .map(|arg| arg.get_id().to_string())
            .filter(|id| id != "log" && id != "log_format")
            .collect();
        // The top level lists the commands; each command its settings.
        let every: Vec<&String> = shared.iter().collect();
        command = focus(command, &[], &every);
        for (path, reads) in READS {
            let Some(reads) = reads else { continue };
            let hidden: Vec<&String> = shared
                .iter()
                .filter(|id| !reads.iter().any(|group| group.contains(&id.as_str())))
                .collect();
            command = focus(command, path, &hidden);
        }
        command
    }

    /// Parses `std::env::args` as [`Cli::command_with_focused_help`] shows it;
    /// exits with clap's message on a wrong command line.
    pub fn parse_with_focused_help() -> Self {
        let matches = Self::command_with_focused_help().get_matches();
        <Self as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// Hides the `hidden` arguments in the command at `path` under `command`,
/// in place (the built command's lookup tables and its order stay valid).
fn focus(command: clap::Command, path: &[&str], hidden: &[&String]) -> clap::Command {
    let Some((name, rest)) = path.split_first() else {
        return command.mut_args(|arg| {
            if hidden.iter().any(|id| arg.get_id() == id.as_str()) {
                arg.hide(true)
            } else {
                arg
            }
        });
    };
    command.mut_subcommands(|sub| {
        if sub.get_name() == *name {
            focus(sub, rest, hidden)
        } else {
            sub
        }
    })
}

/// Runs a parsed command line; the exit code says whether it succeeded.
///
/// # Errors
/// Any [`AppError`] of the command.
pub async fn run(cli: Cli) -> Result<ExitCode, AppError> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve => commands::serve(settings).await,
        Command::Migrate => commands::migrate(settings).await,
        Command::Sync {
            from_date,
            to_date,
            dry_run,
        } => commands::sync(settings, &from_date, &to_date, dry_run).await,
        Command::InstallWebhook { url } => commands::install_webhook(settings, url).await,
        Command::Refund {
            reference,
            amount,
            message,
            idempotency_key,
        } => {
            commands::refund(
                settings,
                &reference,
                amount.as_deref(),
                &message,
                idempotency_key.as_deref(),
            )
            .await
        }
        Command::Webhooks {
            command: WebhooksCommand::Reprocess,
        } => commands::reprocess(settings).await,
        Command::Sandbox {
            allow_http_listener,
            ledger_file,
        } => {
            let options = crate::sandbox::StandaloneOptions {
                allow_http_listener,
                ledger_file,
            };
            commands::sandbox(settings, options).await
        }
        Command::Doctor => commands::doctor(settings).await,
        Command::Healthcheck => commands::healthcheck(settings).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The help text of `athm <path> --help`.
    fn help(path: &[&str]) -> String {
        let args = std::iter::once("athm")
            .chain(path.iter().copied())
            .chain(["--help"]);
        let error = Cli::command_with_focused_help()
            .try_get_matches_from(args)
            .expect_err("--help stops parsing");
        error.to_string()
    }

    #[test]
    fn each_command_shows_the_settings_it_reads_and_an_example() {
        let refund = help(&["refund"]);
        for shown in [
            "--amount",
            "--database-url",
            "--private-token",
            "--log",
            "Example",
        ] {
            assert!(
                refund.contains(shown),
                "refund --help lacks {shown}:\n{refund}"
            );
        }
        for hidden in ["--notify-urls", "--listen", "--admin-password"] {
            assert!(!refund.contains(hidden), "refund --help shows {hidden}");
        }
        let short = Cli::command_with_focused_help()
            .try_get_matches_from(["athm", "refund", "-h"])
            .expect_err("-h stops parsing")
            .to_string();
        assert!(short.lines().count() < 40, "{short}");
        let top = help(&[]);
        assert!(top.starts_with("Take ATH Móvil payments"), "{top}");
        assert!(!top.contains("--database-url"), "{top}");
        let reprocess = help(&["webhooks", "reprocess"]);
        assert!(reprocess.contains("--verify-webhooks") && !reprocess.contains("--listen"));
        let healthcheck = help(&["healthcheck"]);
        assert!(healthcheck.contains("--listen") && !healthcheck.contains("--database-url"));
        assert!(
            help(&["serve"]).contains("--notify-urls"),
            "serve reads everything"
        );
        for (path, _) in READS {
            assert!(help(path).contains("Example"), "{path:?} has no example");
        }
    }

    #[test]
    fn sync_takes_its_dates() {
        let cli = Cli::try_parse_from([
            "athm",
            "sync",
            "--from-date",
            "2025-01-01",
            "--to-date",
            "2025-01-31",
            "--dry-run",
        ])
        .unwrap();
        assert!(matches!(cli.command, Command::Sync { dry_run: true, .. }));
    }

    #[test]
    fn the_sandbox_takes_its_switches_and_the_global_tokens() {
        let cli = Cli::try_parse_from([
            "athm",
            "sandbox",
            "--public-token",
            "pub-1",
            "--private-token",
            "priv-1",
            "--allow-http-listener",
            "--ledger-file",
            "ledger.json",
        ])
        .unwrap();
        assert!(matches!(
            &cli.command,
            Command::Sandbox { allow_http_listener: true, ledger_file: Some(path) }
                if path.as_os_str() == "ledger.json"
        ));
        assert_eq!(cli.settings.public_token.as_deref(), Some("pub-1"));
        let plain = Cli::try_parse_from(["athm", "sandbox"]).unwrap();
        assert!(matches!(
            plain.command,
            Command::Sandbox {
                allow_http_listener: false,
                ledger_file: None
            }
        ));
    }
}
