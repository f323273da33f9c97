//! The in-process ATH Móvil sandbox of the embedded default.

use athm_sandbox::{RunningSandbox, Sandbox, SandboxConfig};

use crate::{AppError, Settings};

/// Starts the sandbox on the configured address, accepting `http://` webhook listeners.
pub(crate) async fn start(settings: &Settings) -> Result<RunningSandbox, AppError> {
    let config = SandboxConfig {
        addr: settings.sandbox_listen,
        ..SandboxConfig::for_tests()
    };
    Ok(Sandbox::start(config).await?)
}
