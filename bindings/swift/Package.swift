// swift-tools-version:5.9
// ShelfmarkKit: the Shelfmark library engine for iOS, iPadOS and macOS apps.
//
// The Rust library comes as ShelfmarkFFI.xcframework, built by
// `cargo xtask build-ios` into this folder. A release publishes the zipped
// framework and replaces the path below by
// `.binaryTarget(name: "ShelfmarkFFI", url: "<release URL>", checksum: "<printed by build-ios>")`.
import PackageDescription

let package = Package(
    name: "ShelfmarkKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "ShelfmarkKit", targets: ["ShelfmarkKit"]),
    ],
    targets: [
        .binaryTarget(name: "ShelfmarkFFI", path: "ShelfmarkFFI.xcframework"),
        .target(
            name: "ShelfmarkKit",
            dependencies: ["ShelfmarkFFI"],
            path: "Sources/ShelfmarkKit",
            linkerSettings: [
                // iOS builds use the system SQLite; macOS builds carry their own.
                .linkedLibrary("sqlite3", .when(platforms: [.iOS])),
                .linkedFramework("Security"),
                .linkedFramework("SystemConfiguration"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        .testTarget(
            name: "ShelfmarkKitTests",
            dependencies: ["ShelfmarkKit"],
            path: "Tests/ShelfmarkKitTests",
            resources: [.copy("Resources")]
        ),
    ]
)
