// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Steiger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "steiger", targets: ["steiger"]),
        .library(name: "SteigerCore", targets: ["SteigerCore"]),
        .library(name: "SteigerMedia", targets: ["SteigerMedia"]),
        .library(name: "SteigerPipeline", targets: ["SteigerPipeline"]),
        .library(name: "SteigerStore", targets: ["SteigerStore"]),
        .library(name: "SteigerApp", targets: ["SteigerApp"]),
        .library(name: "SteigerServer", targets: ["SteigerServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already under async-http-client; named for the mail client's TLS and line framing.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        // The default traits pull in swift-configuration, which Steiger does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev"])]
        ),
        .target(
            name: "SteigerCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerMedia",
            dependencies: ["CFFmpeg"],
            swiftSettings: swiftSettings
        ),
        // The media input layer's fuzz target: libFuzzer's entry point in `scripts/fuzz-media`'s
        // build (-D STEIGER_FUZZ), a replayer of saved inputs otherwise.
        .executableTarget(
            name: "SteigerFuzzMedia",
            dependencies: ["SteigerMedia"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerPipeline",
            dependencies: ["SteigerMedia", "SteigerStore", "SteigerCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerStore",
            dependencies: [
                "SteigerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerApp",
            dependencies: [
                "SteigerCore",
                "SteigerStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerServer",
            dependencies: [
                "SteigerApp",
                "SteigerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "steiger",
            dependencies: [
                "SteigerApp",
                "SteigerMedia",
                "SteigerPipeline",
                "SteigerServer",
                "SteigerStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SteigerCoreTests",
            dependencies: ["SteigerCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SteigerMediaTests",
            dependencies: ["SteigerMedia"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SteigerTestSupport",
            dependencies: ["SteigerStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SteigerTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SteigerStoreTests",
            dependencies: ["SteigerStore", "SteigerCore", "SteigerTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SteigerServerTests",
            dependencies: [
                "SteigerServer", "SteigerApp", "SteigerStore", "SteigerCore", "SteigerTestSupport", "SteigerPipeline", "SteigerMedia",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SteigerPipelineTests",
            dependencies: ["SteigerPipeline", "SteigerMedia"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
