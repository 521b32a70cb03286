import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

// The library archive `cargo xtask build-android` makes: libshelfmark_ffi.so
// for arm64-v8a, armeabi-v7a and x86_64 with the Kotlin bindings.
val shelfmarkAar: File = rootProject.file("../target/android/shelfmark.aar")

android {
    namespace = "org.shelfmark.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.shelfmark.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    sourceSets {
        getByName("main") {
            // src/main/kotlin: the screens, state holders and platform
            // interfaces shared with the host build (no android.* imports);
            // src/android/kotlin: the Android implementations and the activity.
            java.srcDirs("src/main/kotlin", "src/android/kotlin")
        }
    }

    buildFeatures {
        compose = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildTypes {
        getByName("release") {
            isMinifyEnabled = false
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

val checkShelfmarkAar by tasks.registering {
    val aar = shelfmarkAar
    doFirst {
        if (!aar.exists()) {
            throw GradleException("$aar is missing: run `cargo xtask build-android` (needs the Android NDK) first")
        }
    }
}
tasks.named("preBuild") { dependsOn(checkShelfmarkAar) }

dependencies {
    implementation(files(shelfmarkAar))
    // What the archive's POM names: JNA with libjnidispatch for each ABI, and coroutines.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")

    implementation(platform("androidx.compose:compose-bom:2025.06.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.foundation:foundation")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.10.1")
    implementation("androidx.core:core-ktx:1.16.0")
    implementation("androidx.lifecycle:lifecycle-process:2.9.1")
    implementation("androidx.work:work-runtime-ktx:2.10.1")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.9.1")
    // The barcode scanner: CameraX for the camera, ZXing (Maven Central) to decode.
    implementation("androidx.camera:camera-camera2:1.4.2")
    implementation("androidx.camera:camera-lifecycle:1.4.2")
    implementation("androidx.camera:camera-view:1.4.2")
    implementation("com.google.zxing:core:3.5.3")
    debugImplementation("androidx.compose.ui:ui-tooling")
}
