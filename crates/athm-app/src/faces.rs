//! The pages people see: the admin pages always (disabled without a
//! password), and the demo shop at `/` when the in-process sandbox runs.

use std::net::SocketAddr;

use athm_domain::Secret;
use athm_domain::services::Services;
use athm_sandbox::RunningSandbox;
use athm_web::AppState;
use athm_web::admin::AdminConfig;
use athm_web::demo::DemoConfig;

use crate::Settings;

/// The admin router (behind `admin_password`; disabled without one), plus
/// the demo shop when `sandbox` runs in-process.
pub(crate) fn routes(
    state: &AppState,
    settings: &Settings,
    admin_password: Option<Secret>,
    services: &Services,
    sandbox: Option<&RunningSandbox>,
    local: SocketAddr,
) -> axum::Router {
    let prefix = settings.normalized_prefix();
    // Against the sandbox, the local receiver is the natural listener (the sandbox accepts http).
    let webhook_url = settings
        .effective_webhook_url()
        .or_else(|| sandbox.map(|_| format!("http://{local}{prefix}{}", settings.webhook_path())));
    let admin = AdminConfig {
        secure_cookies: settings
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        ..AdminConfig::new(admin_password.unwrap_or_else(|| Secret::from("")))
    }
    .with_webhook_installer(services.gateway.clone(), webhook_url)
    .with_reconciler(services.reconciler.clone());
    let router = athm_web::admin::router(state.clone(), admin, &prefix);
    match sandbox {
        Some(sandbox) => {
            let demo = DemoConfig {
                sandbox_phone_url: format!("{}/sandbox/phone", sandbox.base_url()),
                admin_url: Some(format!("{prefix}/admin")),
            };
            router.merge(athm_web::demo::router(state.clone(), demo, &prefix))
        }
        None => router,
    }
}
