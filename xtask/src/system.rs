//! Installing system packages on a fresh Debian machine, saying so.

use anyhow::bail;

use crate::run::{have, step};

/// Installs Debian packages with apt-get (as root, or through sudo).
pub fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    if !have("apt-get") {
        bail!(
            "missing system packages {}: install them with your package manager",
            packages.join(" ")
        );
    }
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let (program, prefix): (&str, Vec<&str>) = if is_root {
        ("apt-get", vec![])
    } else {
        ("sudo", vec!["apt-get"])
    };
    let mut update = prefix.clone();
    update.extend(["update", "-qq"]);
    step("package lists (apt-get update)", program, &update)?;
    let mut install = prefix;
    install.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    install.extend_from_slice(packages);
    step(
        &format!("installing {}", packages.join(" ")),
        program,
        &install,
    )
}
