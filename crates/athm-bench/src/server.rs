//! A release `athm serve` in a child process: started on a free loopback
//! port, watched through `/proc/<pid>/status`, stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// The API key and checkout secret the bench configures.
pub(crate) const API_KEY: &str = "bench-api-key";
const CHECKOUT_SECRET: &str = "bench-checkout-secret-0123456789abcdef0123456789abcdef";

/// How the server is started.
#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    /// The `athm` binary.
    pub(crate) athm: PathBuf,
    /// `--log` of the server.
    pub(crate) log: String,
    /// Where the server writes its output (none: discarded).
    pub(crate) log_file: Option<PathBuf>,
    /// The ATH Móvil base URL (the bench's sandbox).
    pub(crate) athm_url: String,
}

/// Resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Memory {
    /// Peak resident set (`VmHWM`).
    pub(crate) peak_kib: u64,
    /// Current resident set (`VmRSS`).
    pub(crate) rss_kib: u64,
}

impl Memory {
    /// Reads `/proc/<pid>/status`.
    pub(crate) fn of(pid: u32) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        Some(Memory {
            peak_kib: field("VmHWM:")?,
            rss_kib: field("VmRSS:")?,
        })
    }

    /// Peak in MiB.
    pub(crate) fn peak_mib(self) -> f64 {
        self.peak_kib as f64 / 1024.0
    }
}

/// A running `athm serve`.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The flags every `athm` command of the bench gets: the database, the
/// sandbox as ATH Móvil, no rate limits.
pub(crate) fn athm_command(config: &ServerConfig, database_url: &str) -> Command {
    let mut command = Command::new(&config.athm);
    command
        .args(["--database-url", database_url])
        .args(["--public-token", athm_sandbox::DEMO_PUBLIC_TOKEN])
        .args(["--private-token", athm_sandbox::DEMO_PRIVATE_TOKEN])
        .args(["--payments-url", &config.athm_url])
        .args(["--www-url", &config.athm_url])
        .args(["--log", &config.log]);
    command
}

fn output(config: &ServerConfig) -> Result<(Stdio, Stdio)> {
    Ok(match &config.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            (Stdio::from(file.try_clone()?), Stdio::from(file))
        }
        None => (Stdio::null(), Stdio::null()),
    })
}

impl Server {
    /// Starts `athm serve` on `database_url` and waits until `/healthz` answers 200.
    /// With `verify_webhooks` false the server applies webhook events without
    /// asking ATH Móvil (`--verify-webhooks false`): the ingestion scenarios
    /// post synthetic events the sandbox does not know, which verification
    /// would (rightly) flag.
    pub(crate) async fn start(
        config: &ServerConfig,
        database_url: &str,
        verify_webhooks: bool,
    ) -> Result<Server> {
        Self::start_with(config, database_url, verify_webhooks, &[]).await
    }

    /// [`Server::start`] with `extra` arguments (flag, value, …).
    pub(crate) async fn start_with(
        config: &ServerConfig,
        database_url: &str,
        verify_webhooks: bool,
        extra: &[&str],
    ) -> Result<Server> {
        check_binary(&config.athm)?;
        let port = free_port()?;
        let (stdout, stderr) = output(config)?;
        let child = athm_command(config, database_url)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--api-keys", API_KEY, "--checkout-secret", CHECKOUT_SECRET])
            .args(["--initiate-per-ip-per-minute", "0"])
            .args(["--initiate-per-phone-per-hour", "0"])
            .args([
                "--verify-webhooks",
                if verify_webhooks { "true" } else { "false" },
            ])
            .args(extra)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self) -> Result<()> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!(
                    "athm serve exited ({status}); run it by hand or pass --server-log-file"
                )
                .into());
            }
            let health = client.get(format!("{}/healthz", self.base)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("athm serve did not answer /healthz within 60 s".into())
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's memory now.
    pub(crate) fn memory(&self) -> Memory {
        Memory::of(self.pid()).unwrap_or_default()
    }

    /// Sends SIGTERM, waits up to 5 s, then kills.
    pub(crate) async fn stop(mut self) -> Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// Fails with a hint when the release binary is missing.
pub(crate) fn check_binary(athm: &Path) -> Result<()> {
    if athm.is_file() {
        Ok(())
    } else {
        Err(format!(
            "{} not found: run `cargo build --release -p athm-app` or pass --athm",
            athm.display()
        )
        .into())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
