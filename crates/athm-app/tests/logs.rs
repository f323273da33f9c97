//! Where `athm serve` writes: the banner on stdout, log lines on stderr;
//! plain text when stderr is no terminal (a file here), one JSON object a
//! line with `--log-format json`; a fresh database is migrated without a
//! line per migration; the banner says when the admin pages are disabled.

// A test states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

mod support;

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/athm.db?mode=rwc", dir.path().display())
}

#[tokio::test]
async fn the_banner_goes_to_stdout_and_plain_logs_to_stderr() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = sqlite(&dir);
    let serve = support::Serve::start(dir.path(), &[("ATHM_DATABASE_URL", &url)]).await;
    reqwest::get(format!("{}/athm/api/status", serve.base))
        .await
        .expect("a request to log");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let (stdout, stderr) = (serve.stdout(), serve.stderr());
    assert!(stdout.contains("athm is listening on"), "{stdout}");
    assert!(
        stdout.contains("admin pages:       disabled (set ATHM_ADMIN_PASSWORD"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(" INFO "),
        "no log line on stdout: {stdout}"
    );
    assert!(stderr.contains(" INFO "), "log lines on stderr: {stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes in a file: {stderr:?}"
    );
    assert!(
        !stderr.to_lowercase().contains("migration"),
        "a fresh database is migrated quietly: {stderr}"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_a_line() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = sqlite(&dir);
    let serve = support::Serve::start(
        dir.path(),
        &[("ATHM_DATABASE_URL", &url), ("ATHM_LOG_FORMAT", "json")],
    )
    .await;
    reqwest::get(format!("{}/healthz", serve.base))
        .await
        .expect("a request to log");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let stderr = serve.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 2, "{stderr}");
    for line in lines {
        let object: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(
            object["level"].is_string() && object["timestamp"].is_string(),
            "{line}"
        );
    }
}
