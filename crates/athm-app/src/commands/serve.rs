//! `athm serve` and `athm migrate`.

use std::process::ExitCode;

use crate::startup::{Application, store};
use crate::{AppError, Settings};

/// Runs the service and prints where to go next.
pub(crate) async fn serve(settings: Settings) -> Result<ExitCode, AppError> {
    let prefix = settings.normalized_prefix();
    let webhook_secret = settings.webhook_path_secret.is_some();
    let admin_enabled = settings.admin_password()?.is_some();
    let app = Application::build(settings).await?;
    let base = format!("http://{}", app.local_addr()?);
    println!("athm is listening on {base}");
    if let Some(sandbox) = app.sandbox() {
        println!("No ATH Móvil tokens are set: payments go to the in-process sandbox.");
        println!("  demo checkout:     {base}/");
        println!("  customer's phone:  {}/sandbox/phone", sandbox.base_url());
        for line in crate::sandbox::token_lines(sandbox, None) {
            println!("{line}");
        }
    }
    if admin_enabled {
        println!("  admin pages:       {base}{prefix}/admin");
    } else {
        println!(
            "  admin pages:       disabled (set ATHM_ADMIN_PASSWORD to enable {prefix}/admin)"
        );
    }
    // The path secret, when set, is not printed.
    let receiver = if webhook_secret {
        "/webhook/<secret>"
    } else {
        "/webhook"
    };
    println!("  webhook receiver:  {base}{prefix}{receiver}");
    println!("  health:            {base}/healthz");
    println!("Press Ctrl-C to stop.");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Applies the database migrations.
pub(crate) async fn migrate(settings: Settings) -> Result<ExitCode, AppError> {
    store(&settings).await?;
    println!("The database is migrated.");
    Ok(ExitCode::SUCCESS)
}
