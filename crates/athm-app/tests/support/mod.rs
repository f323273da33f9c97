//! `athm serve` as a child process, for the tests of what the binary
//! itself does: its output, its logs.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `athm serve` on a free port with `env`, its stdout and stderr in files
/// of `dir`; killed when dropped (also when a test panics).
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Serve {
    /// Starts it and waits (at most 60 s) until `/healthz` answers 200.
    pub async fn start(dir: &Path, env: &[(&str, &str)]) -> Serve {
        let port = free_port();
        let (stdout, stderr) = (dir.join("stdout.log"), dir.join("stderr.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_athm"))
            .arg("serve")
            .env("ATHM_LISTEN", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .stdin(Stdio::null())
            .spawn()
            .expect("athm serve starts");
        let serve = Serve {
            child,
            base: format!("http://127.0.0.1:{port}"),
            stdout,
            stderr,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !http
            .get(format!("{}/healthz", serve.base))
            .send()
            .await
            .is_ok_and(|a| a.status().is_success())
        {
            assert!(
                Instant::now() < deadline,
                "athm serve did not become healthy: {}",
                serve.stderr()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        serve
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).expect("stdout")
    }

    /// What it logged on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).expect("stderr")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
