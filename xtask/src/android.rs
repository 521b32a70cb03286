//! The Android app on this machine, which has no Android SDK:
//!
//! - `test`: the app's shared Compose screens compiled on the host JVM
//!   (android/host/pom.xml, Compose Multiplatform's desktop artifacts) and
//!   driven by Compose UI tests against the host build of the library and a
//!   real shelfmark-server process;
//! - `check_android_target`: `cargo check` of the FFI crate for
//!   aarch64-linux-android, with Debian's clang and arm64 glibc headers
//!   standing in for the NDK, so that the Android-only Rust code is compiled;
//! - `screenshots`: the main screens rendered under Xvfb at a phone's and a
//!   tablet's size into target/screenshots;
//! - `bench_list`: how long a 50,000-item library takes to show its first
//!   rows, and to jump to row 40,000.

use std::path::Path;

use crate::bindings::host_library;
use crate::run::{have, step, step_with_env, target_dir};

const HOST_POM: &str = "android/host/pom.xml";
const ANDROID_TARGET: &str = "aarch64-linux-android";

/// Installs a JDK and Maven when missing (Debian), saying so.
fn ensure_jvm_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = [("java", "default-jdk-headless"), ("mvn", "maven")]
        .into_iter()
        .filter(|(program, _)| !have(program))
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("the Android host suite needs {}", missing.join(" and "));
    crate::system::apt_install(&missing)
}

fn lib_dir() -> String {
    host_library()
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default()
}

/// Maven in android/host with the library and server of this build; the
/// Kotlin compile daemon is not used, so nothing is left running.
fn maven(name: &str, goals: &[&str]) -> anyhow::Result<()> {
    let server = target_dir().join("debug/shelfmark-server");
    let mut args = vec![
        "-B".to_owned(),
        "-q".to_owned(),
        "-Dstyle.color=never".to_owned(),
        "-Dkotlin.compiler.daemon=false".to_owned(),
        "-f".to_owned(),
        HOST_POM.to_owned(),
        format!("-Dshelfmark.lib.dir={}", lib_dir()),
        format!("-Dshelfmark.server.bin={}", server.display()),
    ];
    args.extend(goals.iter().map(|g| (*g).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    step(name, "mvn", &args)
}

/// Runs the app's UI tests on the host JVM (the Kotlin bindings must be generated first).
pub fn test() -> anyhow::Result<()> {
    ensure_jvm_tools()?;
    step(
        "building the server for the Android UI tests",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-server"],
    )?;
    maven(
        "Android app screens (Compose UI tests on the host JVM)",
        &["test"],
    )
}

/// Type-checks the FFI crate, Android-only code included, for arm64 Android.
pub fn check_android_target() -> anyhow::Result<()> {
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(ANDROID_TARGET));
    if !installed {
        step(
            "Rust target for the Android check",
            "rustup",
            &["target", "add", ANDROID_TARGET],
        )?;
    }
    let headers = Path::new("/usr/aarch64-linux-gnu/include/stdio.h");
    let mut missing = Vec::new();
    if !have("clang") {
        missing.push("clang");
    }
    if !headers.exists() {
        missing.push("libc6-dev-arm64-cross");
    }
    if !missing.is_empty() {
        eprintln!(
            "the Android check compiles C with {} in place of the NDK",
            missing.join(" and ")
        );
        crate::system::apt_install(&missing)?;
    }
    step_with_env(
        "Android target check (clang and arm64 glibc headers standing in for the NDK)",
        "cargo",
        &[
            "check",
            "--locked",
            "-p",
            "shelfmark-ffi",
            "--target",
            ANDROID_TARGET,
        ],
        &[
            ("CC_aarch64_linux_android", "clang"),
            (
                "CFLAGS_aarch64_linux_android",
                "--target=aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include -D_GNU_SOURCE",
            ),
        ],
    )
}

/// Renders the main screens at a phone's and a tablet's size under Xvfb
/// into target/screenshots.
pub fn screenshots() -> anyhow::Result<()> {
    ensure_jvm_tools()?;
    if !have("Xvfb") {
        eprintln!("screenshots need a virtual display (Xvfb)");
        crate::system::apt_install(&["xvfb"])?;
    }
    crate::bindings::generate(true)?;
    step(
        "building the server the screenshots sync from",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-server"],
    )?;
    let display = ":77";
    let mut xvfb = std::process::Command::new("Xvfb")
        .args([display, "-screen", "0", "1920x1200x24", "-nolisten", "tcp"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    std::thread::sleep(std::time::Duration::from_millis(800));
    let server = target_dir().join("debug/shelfmark-server");
    let out = target_dir().join("screenshots");
    let result = run_main(
        "rendering the screens",
        "org.shelfmark.app.desktop.ScreenshotsKt",
        &[
            format!("-Djna.library.path={}", lib_dir()),
            format!("-Dshelfmark.server.bin={}", server.display()),
        ],
        &[out.display().to_string()],
        &[("DISPLAY", display)],
    );
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    result?;
    eprintln!("screenshots in {}", out.display());
    Ok(())
}

/// The list benchmark: a 50,000-item library opened and shown, then row 40,000.
pub fn bench_list(items: u64) -> anyhow::Result<()> {
    ensure_jvm_tools()?;
    crate::bindings::generate(true)?;
    // Timings are of the optimised library, as shipped.
    step(
        "the FFI library, optimised",
        "cargo",
        &["build", "--locked", "--release", "-p", "shelfmark-ffi"],
    )?;
    let release = target_dir().join("release");
    run_main(
        "Android list benchmark (host JVM)",
        "org.shelfmark.app.desktop.ListBenchmarkKt",
        &[format!("-Djna.library.path={}", release.display())],
        &[
            items.to_string(),
            target_dir().join("bench").display().to_string(),
        ],
        &[],
    )
}

/// Runs a `main` of the host project in a JVM of its own (`mvn exec:exec`),
/// with JVM options and program arguments.
fn run_main(
    name: &str,
    main_class: &str,
    jvm_options: &[String],
    args: &[String],
    env: &[(&str, &str)],
) -> anyhow::Result<()> {
    let mut command_line: Vec<String> = jvm_options.to_vec();
    command_line.extend(["-classpath".to_owned(), "%classpath".to_owned()]);
    command_line.push(main_class.to_owned());
    command_line.extend(args.iter().cloned());
    let exec_args = format!("-Dexec.args={}", command_line.join(" "));
    step_with_env(
        name,
        "mvn",
        &[
            "-B",
            "-q",
            "-Dstyle.color=never",
            "-Dkotlin.compiler.daemon=false",
            "-f",
            HOST_POM,
            &exec_args,
            "compile",
            "exec:exec",
        ],
        env,
    )
}
