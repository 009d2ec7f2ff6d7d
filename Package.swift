// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
    static let hummingbird: Self = .product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdTesting: Self = .product(name: "HummingbirdTesting", package: "hummingbird")
    static let postgres: Self = .product(name: "PostgresNIO", package: "postgres-nio")
    static let ahc: Self = .product(name: "AsyncHTTPClient", package: "async-http-client")
    static let crypto: Self = .product(name: "Crypto", package: "swift-crypto")
    static let yams: Self = .product(name: "Yams", package: "Yams")
    static let lifecycle: Self = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let argumentParser: Self = .product(name: "ArgumentParser", package: "swift-argument-parser")
    static let logging: Self = .product(name: "Logging", package: "swift-log")
    static let metrics: Self = .product(name: "Metrics", package: "swift-metrics")
    static let prometheus: Self = .product(name: "Prometheus", package: "swift-prometheus")
    static let nioCore: Self = .product(name: "NIOCore", package: "swift-nio")
    static let nioPosix: Self = .product(name: "NIOPosix", package: "swift-nio")
    static let jwt: Self = .product(name: "JWTKit", package: "jwt-kit")
    static let websocket: Self = .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
    static let wsTesting: Self = .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket")
    static let zip: Self = .product(name: "ZIPFoundation", package: "ZIPFoundation")
}

let package = Package(
    name: "hns-ticketing",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hns-ticketing", targets: ["hns-ticketing"]),
        .executable(name: "hns-queue", targets: ["hns-queue"]),
        .executable(name: "hns-stripe-router", targets: ["hns-stripe-router"]),
        .executable(name: "hns-eventbus", targets: ["hns-eventbus"]),
        .executable(name: "hns-stripe-sim", targets: ["hns-stripe-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // Spreadsheets (the financial reports' .xlsx) are ZIP archives of XML.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Shared core
        .systemLibrary(name: "CHNSZlib"),
        .target(
            name: "HNSCore",
            dependencies: [
                .hummingbird, .logging, .metrics, .prometheus, .lifecycle, .nioCore, .nioPosix, .argumentParser, .yams,
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ], swiftSettings: upcoming),
        .target(name: "HNSPostgres", dependencies: ["HNSCore", .postgres, .logging, .crypto, .argumentParser], swiftSettings: upcoming),
        .target(name: "HNSRedis", dependencies: [.nioCore, .nioPosix, .lifecycle, .logging], swiftSettings: upcoming),
        .target(name: "HNSBus", dependencies: ["HNSCore", .ahc, .logging, .nioCore], swiftSettings: upcoming),
        .target(name: "HNSIdentity", dependencies: ["HNSCore", .jwt, .crypto, .ahc, .logging], swiftSettings: upcoming),

        // One library per daemon
        .target(
            name: "EventBus",
            dependencies: [
                "HNSCore", "HNSPostgres", "HNSBus", .yams, .ahc, .hummingbird, .argumentParser, .lifecycle, .metrics,
            ], swiftSettings: upcoming),
        .target(
            name: "StripeRouter",
            dependencies: [
                "HNSCore", "HNSBus", .yams, .crypto, .hummingbird, .argumentParser, .lifecycle, .metrics, .ahc,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ], swiftSettings: upcoming),
        .target(
            name: "WaitingRoom",
            dependencies: [
                "HNSCore", "HNSRedis", "HNSIdentity", .hummingbird, .argumentParser, .lifecycle, .metrics,
                .logging, .nioCore, .crypto, .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"), .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ], swiftSettings: upcoming),
        .target(
            name: "Ticketing",
            dependencies: [
                "HNSCore", "HNSPostgres", "HNSRedis", "HNSBus", "HNSIdentity", .hummingbird, .argumentParser, .lifecycle,
                .postgres, .logging, .metrics, .nioCore, .crypto, .ahc, .product(name: "NIOHTTP1", package: "swift-nio"), .zip,
                "CHNSZlib",
            ], swiftSettings: upcoming),
        // Development and test double of the Stripe API (not deployed).
        .target(
            name: "StripeSimulator",
            dependencies: [
                "HNSCore", .hummingbird, .ahc, .crypto, .argumentParser, .lifecycle, .logging, .nioCore,
            ], swiftSettings: upcoming),

        // Thin executables
        .executableTarget(name: "hns-ticketing", dependencies: ["Ticketing"], swiftSettings: upcoming),
        .executableTarget(name: "hns-queue", dependencies: ["WaitingRoom"], swiftSettings: upcoming),
        .executableTarget(name: "hns-stripe-router", dependencies: ["StripeRouter"], swiftSettings: upcoming),
        .executableTarget(name: "hns-eventbus", dependencies: ["EventBus"], swiftSettings: upcoming),
        .executableTarget(name: "hns-stripe-sim", dependencies: ["StripeSimulator"], swiftSettings: upcoming),

        // Test support and tests
        .target(
            name: "HNSTestSupport",
            dependencies: [
                "HNSCore", "HNSPostgres", "HNSRedis", "EventBus", "HNSIdentity", .hummingbird, .postgres, .logging, .nioCore, .nioPosix, .ahc,
                .lifecycle, .yams,
            ], swiftSettings: upcoming),
        .testTarget(name: "HNSCoreTests", dependencies: ["HNSCore", "HNSTestSupport", .hummingbirdTesting], swiftSettings: upcoming),
        .testTarget(name: "HNSPostgresTests", dependencies: ["HNSPostgres", "HNSTestSupport"], swiftSettings: upcoming),
        .testTarget(name: "HNSRedisTests", dependencies: ["HNSRedis", "HNSTestSupport"], swiftSettings: upcoming),
        .testTarget(name: "HNSBusTests", dependencies: ["HNSBus", "HNSTestSupport"], swiftSettings: upcoming),
        .testTarget(name: "HNSIdentityTests", dependencies: ["HNSIdentity", "HNSTestSupport"], swiftSettings: upcoming),
        .testTarget(name: "EventBusTests", dependencies: ["EventBus", "HNSBus", "HNSTestSupport", .hummingbirdTesting], swiftSettings: upcoming),
        .testTarget(
            name: "StripeRouterTests", dependencies: ["StripeRouter", "EventBus", "HNSBus", "HNSTestSupport", .hummingbirdTesting],
            swiftSettings: upcoming),
        .testTarget(
            name: "TicketingTests",
            dependencies: [
                "Ticketing", "HNSCore", "HNSIdentity", "HNSRedis", "HNSPostgres", "HNSTestSupport", "StripeSimulator", "HNSBus",
                .hummingbirdTesting, .postgres, .yams, .ahc, .crypto, .zip,
            ], swiftSettings: upcoming),
        .testTarget(
            name: "WaitingRoomTests",
            dependencies: [
                "WaitingRoom", "HNSIdentity", "HNSRedis", "HNSTestSupport", .hummingbirdTesting, .websocket, .wsTesting,
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .crypto, .ahc,
                .product(name: "NIOHTTP1", package: "swift-nio"), .nioPosix,
            ], swiftSettings: upcoming),
        .testTarget(
            name: "StripeSimulatorTests", dependencies: ["StripeSimulator", "HNSCore", "HNSTestSupport", .ahc, .crypto, .hummingbird],
            swiftSettings: upcoming),
        // Boundaries over the source text: no dependencies, so it builds in seconds.
        .testTarget(name: "ArchitectureTests", swiftSettings: upcoming),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "StripeRouter",
                "Ticketing", "WaitingRoom", "StripeSimulator", "HNSTestSupport", .hummingbirdTesting, .postgres, .logging,
            ], swiftSettings: upcoming),
    ]
)
