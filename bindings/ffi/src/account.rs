//! Signing in with an e-mail address and password: the server makes an API
//! key for this device (`POST /keys`), as Zotero's own apps sign in. The app
//! then passes the key to its first `SyncManager.sync_now` (which keeps it as
//! `SyncRequest.key_storage` says); `SyncManager.sign_out` revokes it.

use shelfmark_core::sync as core_sync;

use crate::error::{ErrorCategory, Result, ShelfmarkError};
use crate::runtime::runtime;

/// The account a sign-in reached and the key the server made for this device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedInAccount {
    /// The server address as checked (no trailing slash), for `SyncRequest.server_url`.
    pub server_url: String,
    /// For `SyncRequest.user_id`.
    pub user_id: u64,
    pub username: String,
    pub display_name: String,
    /// For `SyncRequest.api_key`; keep it only through `KeyStorage`.
    pub api_key: String,
    /// The key's name on the server's "Devices and keys" page.
    pub key_name: String,
}

/// Signs in to `server_url` with `email` (or a user name) and `password`,
/// asking for a key named `device_name` (e.g. "Ada's iPad"). Errors: a
/// malformed address or an empty field `InvalidInput` naming it; a wrong
/// password `Auth`; an unreachable server `Network`; too many attempts
/// `RateLimited`.
#[uniffi::export]
pub async fn sign_in(
    server_url: String,
    email: String,
    password: String,
    device_name: String,
) -> Result<SignedInAccount> {
    crate::logging::init();
    let server_url = core_sync::check_server_url(&server_url)?;
    let address = server_url.clone();
    let task = runtime()?
        .spawn(async move { core_sync::sign_in(&address, &email, &password, &device_name).await });
    let signed_in = task.await.map_err(|e| {
        log::error!("signing in stopped unexpectedly: {e}");
        ShelfmarkError::new(ErrorCategory::Network, "signing in stopped unexpectedly")
    })??;
    log::info!("signed in as user {}", signed_in.user_id);
    Ok(SignedInAccount {
        server_url,
        user_id: signed_in.user_id,
        username: signed_in.username,
        display_name: signed_in.display_name,
        api_key: signed_in.api_key,
        key_name: signed_in.key_name,
    })
}
