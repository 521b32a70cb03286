//! The mobile artifacts: `build-ios` (an XCFramework for SwiftPM, zipped
//! with its checksum) and `build-android` (an AAR with the libraries for
//! three ABIs and the Kotlin bindings). They need Xcode on macOS and the
//! Android NDK with cargo-ndk respectively; without them they stop at once
//! and say what is missing.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::bindings::{kotlin_dir, swift_package};
use crate::run::{have, step, target_dir, workspace_root};

/// The Cargo profile for shipped libraries: small (see the root Cargo.toml).
const PROFILE: &str = "release-mobile";

const IOS_DEVICE: &str = "aarch64-apple-ios";
const IOS_SIMULATORS: [&str; 2] = ["aarch64-apple-ios-sim", "x86_64-apple-ios"];
/// The oldest iOS the framework supports (its system SQLite has what the core needs).
const IOS_DEPLOYMENT_TARGET: &str = "16.0";

/// Android ABIs and their Rust targets.
const ANDROID_ABIS: [(&str, &str); 3] = [
    ("arm64-v8a", "aarch64-linux-android"),
    ("armeabi-v7a", "armv7-linux-androideabi"),
    ("x86_64", "x86_64-linux-android"),
];
/// The oldest Android API level the libraries are built for.
const ANDROID_API: &str = "24";

fn out_dir(name: &str) -> PathBuf {
    target_dir().join(name)
}

fn lib_path(target: &str) -> PathBuf {
    target_dir()
        .join(target)
        .join(PROFILE)
        .join("libshelfmark_ffi.a")
}

fn add_rust_targets(targets: &[&str]) -> anyhow::Result<()> {
    let mut args = vec!["target", "add"];
    args.extend_from_slice(targets);
    step("Rust targets", "rustup", &args)
}

fn path_str(path: &Path) -> String {
    path.display().to_string()
}

/// Builds `ShelfmarkFFI.xcframework` (device + simulator static libraries
/// with the C header and module map), zips it for SwiftPM and prints the
/// checksum a `binaryTarget(url:checksum:)` needs.
pub fn build_ios() -> anyhow::Result<()> {
    if !cfg!(target_os = "macos") || !have("xcodebuild") || !have("xcrun") {
        bail!(
            "build-ios needs macOS with Xcode (xcodebuild, xcrun, lipo); install Xcode, run \
             `xcode-select --install`, or use the mobile workflow's macOS runner"
        );
    }
    let mut targets = vec![IOS_DEVICE];
    targets.extend(IOS_SIMULATORS);
    add_rust_targets(&targets)?;
    let deployment = [("IPHONEOS_DEPLOYMENT_TARGET", IOS_DEPLOYMENT_TARGET)];
    for target in &targets {
        step_with_env(
            &format!("building for {target}"),
            "cargo",
            &[
                "build",
                "--locked",
                "-p",
                "shelfmark-ffi",
                "--profile",
                PROFILE,
                "--target",
                target,
            ],
            &deployment,
        )?;
    }

    let out = out_dir("ios");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let headers = out.join("headers");
    fs::create_dir_all(&headers)?;
    for name in ["ShelfmarkFFI.h", "module.modulemap"] {
        fs::copy(swift_package().join("FFI").join(name), headers.join(name))
            .with_context(|| format!("copying {name}; run `cargo xtask bindings` first"))?;
    }
    let simulator = out.join("simulator/libshelfmark_ffi.a");
    fs::create_dir_all(simulator.parent().unwrap_or(&out))?;
    let mut lipo = vec!["lipo".to_owned(), "-create".to_owned()];
    lipo.extend(IOS_SIMULATORS.iter().map(|t| path_str(&lib_path(t))));
    lipo.extend(["-output".to_owned(), path_str(&simulator)]);
    let lipo: Vec<&str> = lipo.iter().map(String::as_str).collect();
    step(
        "one simulator library for both architectures",
        "xcrun",
        &lipo,
    )?;

    let framework = out.join("ShelfmarkFFI.xcframework");
    let headers_s = path_str(&headers);
    step(
        "the XCFramework",
        "xcodebuild",
        &[
            "-create-xcframework",
            "-library",
            &path_str(&lib_path(IOS_DEVICE)),
            "-headers",
            &headers_s,
            "-library",
            &path_str(&simulator),
            "-headers",
            &headers_s,
            "-output",
            &path_str(&framework),
        ],
    )?;
    let zip = out.join("ShelfmarkFFI.xcframework.zip");
    step(
        "zipping it for SwiftPM",
        "ditto",
        &[
            "-c",
            "-k",
            "--sequesterRsrc",
            "--keepParent",
            &path_str(&framework),
            &path_str(&zip),
        ],
    )?;
    let checksum = std::process::Command::new("swift")
        .args(["package", "compute-checksum", &path_str(&zip)])
        .current_dir(swift_package())
        .output()
        .context("running `swift package compute-checksum`")?;
    if !checksum.status.success() {
        bail!(
            "swift package compute-checksum failed: {}",
            String::from_utf8_lossy(&checksum.stderr)
        );
    }
    let checksum = String::from_utf8_lossy(&checksum.stdout).trim().to_owned();
    fs::write(
        out.join("ShelfmarkFFI.xcframework.zip.checksum"),
        format!("{checksum}\n"),
    )?;

    // The package's binary target points at this copy for local builds and tests.
    let local = swift_package().join("ShelfmarkFFI.xcframework");
    if local.exists() {
        fs::remove_dir_all(&local)?;
    }
    step(
        "placing it in bindings/swift",
        "cp",
        &["-R", &path_str(&framework), &path_str(&local)],
    )?;
    eprintln!("\n{}\nchecksum {checksum}", zip.display());
    Ok(())
}

/// Builds the libraries for three Android ABIs with cargo-ndk and assembles
/// `shelfmark.aar` with them, the compiled Kotlin bindings and a POM naming
/// the Maven dependencies (JNA, kotlinx-coroutines).
pub fn build_android() -> anyhow::Result<()> {
    let ndk = std::env::var_os("ANDROID_NDK_HOME").or_else(|| std::env::var_os("ANDROID_NDK_ROOT"));
    if ndk.is_none_or(|p| !Path::new(&p).is_dir()) {
        bail!(
            "build-android needs the Android NDK: install it (Android Studio's SDK manager, or \
             `sdkmanager \"ndk;27.2.12479018\"`) and set ANDROID_NDK_HOME to its folder"
        );
    }
    if !have("cargo-ndk") {
        step(
            "cargo-ndk (from crates.io)",
            "cargo",
            &["install", "--locked", "cargo-ndk"],
        )?;
    }
    let targets: Vec<&str> = ANDROID_ABIS.iter().map(|(_, t)| *t).collect();
    add_rust_targets(&targets)?;

    let out = out_dir("android");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let aar_dir = out.join("aar");
    let jni = aar_dir.join("jni");
    fs::create_dir_all(&jni)?;
    let jni_s = path_str(&jni);
    let mut args = vec!["ndk", "--platform", ANDROID_API];
    for (abi, _) in ANDROID_ABIS {
        args.extend(["-t", abi]);
    }
    args.extend([
        "-o",
        &jni_s,
        "build",
        "--locked",
        "-p",
        "shelfmark-ffi",
        "--profile",
        PROFILE,
    ]);
    step(
        "libraries for arm64-v8a, armeabi-v7a and x86_64",
        "cargo",
        &args,
    )?;

    // The Kotlin bindings, generated from the host build of the same sources.
    crate::bindings::generate(false)?;
    if !kotlin_dir().exists() {
        bail!("the Kotlin bindings were not generated");
    }
    step(
        "compiling the Kotlin bindings",
        "mvn",
        &[
            "-q",
            "-B",
            "-f",
            "bindings/kotlin/pom.xml",
            "-DskipTests",
            "package",
        ],
    )?;
    let jar = workspace_root().join("bindings/kotlin/target/shelfmark-0.1.0.jar");
    fs::copy(&jar, aar_dir.join("classes.jar"))
        .with_context(|| format!("copying {}", jar.display()))?;
    fs::write(aar_dir.join("AndroidManifest.xml"), ANDROID_MANIFEST)?;
    fs::write(aar_dir.join("R.txt"), "")?;

    let aar = out.join("shelfmark.aar");
    step(
        "the Android archive",
        "jar",
        &[
            "--create",
            "--no-manifest",
            "--file",
            &path_str(&aar),
            "-C",
            &path_str(&aar_dir),
            ".",
        ],
    )?;
    fs::write(out.join("shelfmark.pom"), AAR_POM)?;
    eprintln!(
        "\n{}\n{}",
        aar.display(),
        out.join("shelfmark.pom").display()
    );
    Ok(())
}

const ANDROID_MANIFEST: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.shelfmark">
    <uses-sdk android:minSdkVersion="24" />
</manifest>
"#;

/// The archive's Maven description: JNA as its Android archive (which
/// carries libjnidispatch for each ABI) and the coroutines library.
const AAR_POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.shelfmark</groupId>
  <artifactId>shelfmark</artifactId>
  <version>0.1.0</version>
  <packaging>aar</packaging>
  <dependencies>
    <dependency>
      <groupId>net.java.dev.jna</groupId>
      <artifactId>jna</artifactId>
      <version>5.17.0</version>
      <type>aar</type>
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlinx</groupId>
      <artifactId>kotlinx-coroutines-android</artifactId>
      <version>1.10.2</version>
    </dependency>
  </dependencies>
</project>
"#;

/// [`step`] with extra environment variables for the child.
fn step_with_env(
    name: &str,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<()> {
    eprintln!(
        "\n==> {name}: {} {program} {}",
        env.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        args.join(" ")
    );
    let status = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("step failed: {name} ({status})");
    }
    eprintln!("<== {name}: ok");
    Ok(())
}
