//! `cargo xtask bindings`: builds the FFI library for this machine and
//! generates the Swift, Kotlin and Python bindings from it (UniFFI library
//! mode, so the sources always match the library they were made from).
//!
//! - Swift goes into `bindings/swift` and is committed, so that SwiftPM users
//!   get it without a Rust toolchain; `--check` regenerates it elsewhere and
//!   fails if the committed copy differs.
//! - Kotlin goes into `bindings/kotlin/src/generated/kotlin` (not committed):
//!   the Maven build and the Android archive compile it from there.
//! - Python goes into `<target>/bindings/python` (not committed), next to
//!   nothing else: it is for trying the API from a Python prompt.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::run::{step, target_dir, workspace_root};

/// The generated Swift files and where their committed copies live.
const SWIFT_FILES: [(&str, &str); 3] = [
    (
        "ShelfmarkKit.swift",
        "Sources/ShelfmarkKit/Generated/ShelfmarkKit.swift",
    ),
    ("ShelfmarkFFI.h", "FFI/ShelfmarkFFI.h"),
    ("ShelfmarkFFI.modulemap", "FFI/module.modulemap"),
];

/// The host build of the FFI library (debug profile).
pub fn host_library() -> PathBuf {
    let name = if cfg!(target_os = "macos") {
        "libshelfmark_ffi.dylib"
    } else if cfg!(windows) {
        "shelfmark_ffi.dll"
    } else {
        "libshelfmark_ffi.so"
    };
    target_dir().join("debug").join(name)
}

pub fn kotlin_dir() -> PathBuf {
    workspace_root().join("bindings/kotlin/src/generated/kotlin")
}

pub fn swift_package() -> PathBuf {
    workspace_root().join("bindings/swift")
}

/// Builds the host library and generates every language's bindings. With
/// `check_swift`, the committed Swift is compared instead of overwritten.
pub fn generate(check_swift: bool) -> anyhow::Result<()> {
    step(
        "building the FFI library for this machine",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-ffi"],
    )?;
    let kotlin = kotlin_dir();
    recreate(&kotlin)?;
    bindgen("kotlin", &kotlin)?;

    let swift_out = target_dir().join("bindings/swift");
    recreate(&swift_out)?;
    bindgen("swift", &swift_out)?;
    if check_swift {
        check_committed_swift(&swift_out)?;
    } else {
        for (generated, committed) in SWIFT_FILES {
            let to = swift_package().join(committed);
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::copy(swift_out.join(generated), &to)
                .with_context(|| format!("copying {generated} to {}", to.display()))?;
        }
        eprintln!("Swift bindings written to {}", swift_package().display());
    }

    let python = target_dir().join("bindings/python");
    recreate(&python)?;
    bindgen("python", &python)
}

/// Runs uniffi-bindgen in library mode for one language.
fn bindgen(language: &str, out_dir: &Path) -> anyhow::Result<()> {
    let library = host_library().display().to_string();
    let out = out_dir.display().to_string();
    step(
        &format!("generating the {language} bindings"),
        "cargo",
        &[
            "run",
            "--locked",
            "--quiet",
            "-p",
            "uniffi-bindgen",
            "--",
            "generate",
            "--library",
            &library,
            "--language",
            language,
            "--no-format",
            "--out-dir",
            &out,
        ],
    )
}

fn recreate(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn check_committed_swift(generated_dir: &Path) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for (generated, committed) in SWIFT_FILES {
        let fresh = fs::read(generated_dir.join(generated))?;
        let kept = fs::read(swift_package().join(committed)).unwrap_or_default();
        if fresh != kept {
            stale.push(committed);
        }
    }
    if !stale.is_empty() {
        bail!(
            "the committed Swift bindings are out of date ({}): run `cargo xtask bindings` and commit bindings/swift",
            stale.join(", ")
        );
    }
    eprintln!("committed Swift bindings are current");
    Ok(())
}
