//! What the numbers were measured on: CPU, memory, kernel, load, versions.

use std::process::Command;

use sea_orm::DatabaseConnection;

use crate::Result;
use crate::db::text;

/// The first line of `/proc/<file>` matching `key`, after the colon.
fn proc_field(file: &str, key: &str) -> Option<String> {
    let content = std::fs::read_to_string(format!("/proc/{file}")).ok()?;
    let line = content.lines().find(|l| l.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The load average now (1, 5, 15 minutes).
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// One line per fact, as Markdown list items.
pub(crate) async fn describe(
    athm: &std::path::Path,
    pg: &DatabaseConnection,
    sqlite: &DatabaseConnection,
) -> Result<Vec<String>> {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let athm_version = command_line(&athm.to_string_lossy(), &["--version"]);
    Ok(vec![
        format!(
            "CPU: {} × {}",
            cores,
            proc_field("cpuinfo", "model name").unwrap_or_default()
        ),
        format!(
            "memory: {}",
            proc_field("meminfo", "MemTotal").unwrap_or_default()
        ),
        format!(
            "kernel: {}",
            std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
        ),
        format!("PostgreSQL: {}", text(pg, "SELECT version() AS v").await?),
        format!(
            "PostgreSQL durability: synchronous_commit = {}, fsync = {}, wal_sync_method = {}",
            text(pg, "SELECT current_setting('synchronous_commit') AS v").await?,
            text(pg, "SELECT current_setting('fsync') AS v").await?,
            text(pg, "SELECT current_setting('wal_sync_method') AS v").await?,
        ),
        format!(
            "SQLite: {} (bundled with sqlx; athm opens it WAL, synchronous = FULL)",
            text(sqlite, "SELECT sqlite_version() AS v").await?
        ),
        format!("athm: {athm_version} (release build)"),
        format!("rustc: {}", command_line("rustc", &["--version"])),
        format!("load average at start: {}", load_average()),
    ])
}
