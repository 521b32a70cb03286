//! Third-party JavaScript clients the server's suite drives:
//! zotero-api-client from npm (the client zotero.org's web library is built
//! on), installed into target/node-clients; Node.js and npm come from Debian
//! when missing.

use std::path::PathBuf;

use crate::run::{have, step, target_dir};
use crate::system::apt_install;

/// The client's version, fixed so that a run is repeatable.
const ZOTERO_API_CLIENT: &str = "zotero-api-client@0.48.0";

/// Installs the clients when missing; the `node_modules` folder holding them.
pub fn ensure_modules() -> anyhow::Result<PathBuf> {
    let missing: Vec<&str> = ["nodejs", "npm"]
        .into_iter()
        .zip(["node", "npm"])
        .filter(|(_, program)| !have(program))
        .map(|(package, _)| package)
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "the server's zotero-api-client run needs {}",
            missing.join(" and ")
        );
        apt_install(&missing)?;
    }
    let dir = target_dir().join("node-clients");
    let modules = dir.join("node_modules");
    let installed = std::fs::read_to_string(modules.join("zotero-api-client/package.json"))
        .is_ok_and(|p| p.contains("\"version\": \"0.48.0\""));
    if !installed {
        std::fs::create_dir_all(&dir)?;
        let prefix = dir.display().to_string();
        step(
            "installing zotero-api-client from npm",
            "npm",
            &[
                "install",
                "--prefix",
                &prefix,
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                ZOTERO_API_CLIENT,
            ],
        )?;
    }
    Ok(modules)
}
