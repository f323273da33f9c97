//! Each start-up mistake of a newcomer or an operator, and the message
//! `athm serve` answers it with: it names the thing (address, file, URL,
//! variable) and the fix, and comes fast.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use athm_app::{AppError, Application, Cli};
use clap::Parser;
use tempfile::TempDir;

use crate::helpers::database_url;

/// Builds `athm serve` with `flags`, over a fresh SQLite file in `dir` and
/// ports chosen by the system unless the flags name their own.
async fn build(dir: &TempDir, flags: &[&str]) -> Result<Application, AppError> {
    let url = database_url(dir);
    let mut args = vec!["athm", "serve"];
    for (flag, default) in [
        ("--database-url", url.as_str()),
        ("--listen", "127.0.0.1:0"),
        ("--sandbox-listen", "127.0.0.1:0"),
    ] {
        if !flags.contains(&flag) {
            args.extend([flag, default]);
        }
    }
    args.extend(flags);
    let cli = Cli::try_parse_from(&args).expect("the command line parses");
    Application::build(cli.settings).await
}

/// The message `athm serve` with `flags` stops with, and how long it took.
async fn refused(flags: &[&str]) -> (String, Duration) {
    let dir = tempfile::tempdir().expect("a directory");
    let started = Instant::now();
    match build(&dir, flags).await {
        Ok(_) => panic!("{flags:?} started"),
        Err(error) => (error.to_string(), started.elapsed()),
    }
}

#[tokio::test]
async fn each_start_up_mistake_names_the_thing_and_the_fix() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let taken = taken.local_addr().expect("its address").to_string();
    let mut cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--listen", &taken],
            vec![&taken, "ATHM_LISTEN", "--listen", "already in use"],
        ),
        (
            vec!["--sandbox-listen", &taken],
            vec![
                &taken,
                "ATHM_SANDBOX_LISTEN",
                "--sandbox-listen",
                "already in use",
            ],
        ),
        (
            vec!["--listen", "8000"],
            vec!["8000", "ATHM_LISTEN", "host:port"],
        ),
        (
            vec!["--public-token", "pk-live\n", "--private-token", "sk-live"],
            vec!["ATHM_PUBLIC_TOKEN", "spaces or a line break"],
        ),
        (
            vec!["--database-url", "athm2.db"],
            vec!["athm2.db", "sqlite://athm2.db?mode=rwc"],
        ),
        (
            vec![
                "--database-url",
                "sqlite:///no/such/folder/athm.db?mode=rwc",
            ],
            vec!["/no/such/folder/athm.db"],
        ),
        (
            vec!["--database-url", "postgres://postgres@127.0.0.1:1/athm"],
            vec!["127.0.0.1:1", "refused"],
        ),
        (
            vec!["--database-url", "postgres://athm:s3cret@127.0.0.1:1/athm"],
            vec!["athm:***@127.0.0.1:1", "refused"],
        ),
        (
            vec![
                "--database-url",
                "postgres://athm@127.0.0.1:1/athm?password=s3cret",
            ],
            vec!["athm@127.0.0.1:1/athm?…", "refused"],
        ),
        (
            vec!["--database-url", "athm:s3cret@db/athm"],
            vec!["not shown", "postgres://user@host/database"],
        ),
    ];
    let missing_database = std::env::var("ATHM_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .and_then(|url| Some(format!("{}/athm_no_such_database", url.rsplit_once('/')?.0)));
    if let Some(url) = &missing_database {
        cases.push((
            vec!["--database-url", url],
            vec!["athm_no_such_database", "does not exist"],
        ));
    }
    let mut failures = Vec::new();
    for (flags, expected) in cases {
        let (message, took) = refused(&flags).await;
        let lacking: Vec<&&str> = expected.iter().filter(|p| !message.contains(**p)).collect();
        if !lacking.is_empty() || took > Duration::from_secs(10) || message.contains("s3cret") {
            failures.push(format!(
                "{flags:?} answered {message:?} in {took:?}, lacking {lacking:?}"
            ));
        }
    }
    drop(taken);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A host name is a listen address too, and two `athm serve` on one machine
/// both start: the in-process sandbox takes a free port unless told one.
#[tokio::test]
async fn two_services_on_one_machine_start_with_their_own_sandboxes() {
    let dirs = [(); 2].map(|()| tempfile::tempdir().expect("a directory"));
    let mut apps = Vec::new();
    for dir in &dirs {
        let url = database_url(dir);
        let args = [
            "athm",
            "serve",
            "--database-url",
            &url,
            "--listen",
            "localhost:0",
        ];
        let cli = Cli::try_parse_from(args).expect("the command line parses");
        apps.push(Application::build(cli.settings).await.expect("it starts"));
    }
    let [first, second] = [&apps[0], &apps[1]].map(|app| {
        app.sandbox()
            .expect("the in-process sandbox runs")
            .base_url()
    });
    assert_ne!(first, second);
}

/// Two `athm serve` on one SQLite file: the second is refused, naming the
/// file and the fix; once the first has stopped, a new one starts.
#[tokio::test]
async fn a_second_service_on_one_sqlite_file_is_refused_until_the_first_stops() {
    let dir = tempfile::tempdir().expect("a directory");
    let first = build(&dir, &[]).await.expect("the first service starts");

    let second = build(&dir, &[])
        .await
        .map(|_| ())
        .expect_err("a second service on the file");

    let message = second.to_string();
    let file = dir.path().join("athm.db").display().to_string();
    for needed in [
        file.as_str(),
        "in use by another `athm serve`",
        "--database-url",
    ] {
        assert!(
            message.contains(needed),
            "{message:?} should name {needed:?}"
        );
    }
    drop(first);
    build(&dir, &[])
        .await
        .expect("free once the first has stopped");
}

/// A half-set ATH Móvil configuration never starts the demo sandbox and
/// shop: `serve` refuses it, naming what is set and what is missing, and
/// leaves no database behind.
#[tokio::test]
async fn serve_refuses_a_half_set_ath_movil_configuration() {
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--public-token", "pk-live"],
            &[
                "ATHM_PUBLIC_TOKEN (--public-token) is set",
                "ATHM_PRIVATE_TOKEN (--private-token) is not set",
            ],
        ),
        (
            &["--private-token", "sk-live"],
            &[
                "ATHM_PUBLIC_TOKEN (--public-token) is not set",
                "ATHM_PRIVATE_TOKEN (--private-token) is set",
            ],
        ),
        (
            &["--public-token", "pk-live", "--private-token", ""],
            &["ATHM_PRIVATE_TOKEN (--private-token) is empty"],
        ),
        (
            &["--payments-url", "https://payments.example"],
            &["ATHM_PAYMENTS_URL is set but ATHM_PUBLIC_TOKEN and ATHM_PRIVATE_TOKEN are not"],
        ),
        (
            &["--www-url", "https://www.example"],
            &["ATHM_WWW_URL is set"],
        ),
    ];
    for (flags, expected) in cases {
        let dir = tempfile::tempdir().expect("a directory");
        let Err(error) = build(&dir, flags).await else {
            panic!("{flags:?} started a service");
        };
        assert!(matches!(error, AppError::Config(_)), "{error:?}");
        let message = error.to_string();
        for part in expected
            .iter()
            .chain(&["set both tokens", "in-process sandbox"])
        {
            assert!(message.contains(part), "{flags:?}: {message}");
        }
        assert!(!message.contains("sk-live"), "{message}");
        assert!(
            !dir.path().join("athm.db").exists(),
            "{flags:?} created a database"
        );
    }
}

/// The admin pages refund money: `serve` refuses a short admin password
/// (before it creates a database) and starts with a passphrase.
#[tokio::test]
async fn serve_refuses_a_short_admin_password() {
    for (password, refused) in [("x", true), ("elevenchars", true), ("twelve chars", false)] {
        let dir = tempfile::tempdir().expect("a directory");
        let built = build(&dir, &["--admin-password", password]).await;
        match built {
            Err(error) if refused => {
                let message = error.to_string();
                assert!(message.contains("ATHM_ADMIN_PASSWORD"), "{message}");
                assert!(message.contains("shorter than 12 characters"), "{message}");
                assert!(
                    password.len() < 2 || !message.contains(password),
                    "{message}"
                );
                assert!(
                    !dir.path().join("athm.db").exists(),
                    "a database was created"
                );
            }
            Ok(_app) if !refused => {}
            Err(error) => panic!("{password:?} was refused: {error}"),
            Ok(_) => panic!("{password:?} started the admin pages"),
        }
    }
}
