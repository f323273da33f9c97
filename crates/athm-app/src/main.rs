//! `athm`: accept ATH Móvil payments. See `athm --help`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = athm_app::Cli::parse_with_focused_help();
    if let Err(error) = athm_app::telemetry::init(&cli.log, cli.log_format) {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    match athm_app::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
