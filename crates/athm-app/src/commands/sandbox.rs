//! `athm sandbox`: the ATH Móvil sandbox alone, as a tool.

use std::process::ExitCode;

use crate::sandbox::{StandaloneOptions, start_standalone, token_lines};
use crate::{AppError, Settings};

/// Runs the ATH Móvil sandbox alone until Ctrl-C, printing where it listens
/// and the tokens it accepts.
pub(crate) async fn sandbox(
    settings: Settings,
    options: StandaloneOptions,
) -> Result<ExitCode, AppError> {
    let allow_http = options.allow_http_listener;
    let ledger_file = options.ledger_file.clone();
    let sandbox = start_standalone(&settings, options).await?;
    println!("ATH Móvil sandbox listening on {}", sandbox.base_url());
    println!("  customer's phone:  {}/sandbox/phone", sandbox.base_url());
    let env_private = std::env::var("ATHM_PRIVATE_TOKEN").ok();
    for line in token_lines(&sandbox, env_private.as_deref()) {
        println!("{line}");
    }
    if allow_http {
        println!(
            "  webhook listeners: http:// accepted (--allow-http-listener; production demands HTTPS)"
        );
    } else {
        println!(
            "  webhook listeners: HTTPS only, as production (--allow-http-listener for http://)"
        );
    }
    match ledger_file {
        Some(path) => println!("  ledger file:       {}", path.display()),
        None => println!("  ledger:            in memory (--ledger-file to keep it)"),
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
