// swift-tools-version: 6.0
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        .target(
            name: "SteigerPipeline",
            dependencies: ["SteigerMedia"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "steiger",
            dependencies: [
                "SteigerMedia",
                "SteigerPipeline",
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
        .testTarget(
            name: "SteigerPipelineTests",
            dependencies: ["SteigerPipeline", "SteigerMedia"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
