// The Shelfmark Android app. Build the library archive first
// (`cargo xtask build-android`, which needs the Android NDK), then
// `gradle assembleDebug` here. See README.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "Shelfmark"
include(":app")
