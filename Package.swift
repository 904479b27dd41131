// swift-tools-version:6.1
import PackageDescription

/// Tessera: a secrets and credential-security service.
///
/// Layering (see STYLE.md): C shims → crypto core → wire / store → server → client → executable.
/// Crypto knows nothing of the network or the database; the wire knows nothing of the domain.
let package = Package(
    name: "tessera",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        // The benchmarks, apart from the shipped executable: they link TesseraTestSupport.
        .executable(name: "tessera-bench", targets: ["tessera-bench"]),
        .library(name: "TesseraCrypto", targets: ["TesseraCrypto"]),
        .library(name: "TesseraStore", targets: ["TesseraStore"]),
        .library(name: "TesseraStorePostgres", targets: ["TesseraStorePostgres"]),
        .library(name: "TesseraStoreSQLite", targets: ["TesseraStoreSQLite"]),
        .library(name: "TesseraClient", targets: ["TesseraClient"]),
        .library(name: "TesseraServer", targets: ["TesseraServer"]),
        .library(name: "TesseraObservability", targets: ["TesseraObservability"]),
        .library(name: "TesseraKeyring", targets: ["TesseraKeyring"]),
        .library(name: "TesseraAudit", targets: ["TesseraAudit"]),
        .library(name: "TesseraAuth", targets: ["TesseraAuth"]),
        .library(name: "TesseraAuthServices", targets: ["TesseraAuthServices"]),
        .library(name: "TesseraSweeper", targets: ["TesseraSweeper"]),
        .library(name: "TesseraAdmin", targets: ["TesseraAdmin"]),
        .library(name: "TesseraAdminServices", targets: ["TesseraAdminServices"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CTesseraSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev", "libargon2-dev"])]
        ),
        .systemLibrary(
            name: "CTesseraQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // zlib, to read word lists shipped gzip-compressed (Django's common-passwords.txt.gz).
        .systemLibrary(
            name: "CTesseraZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "TesseraCrypto",
            dependencies: [
                "CTesseraSodium",
                "CTesseraQREncode",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // PKCS#11 declarations (p11-kit's header, libp11-kit-dev) and dlopen shims: nothing is linked, the module
        // is loaded at run time.
        .systemLibrary(
            name: "CTesseraPKCS11",
            providers: [.apt(["libp11-kit-dev"])]
        ),
        // A root key in an HSM through PKCS#11 (SoftHSM2 in the tests).
        .target(
            name: "TesseraPKCS11",
            dependencies: ["CTesseraPKCS11", "TesseraCrypto"]
        ),
        .target(
            name: "TesseraBench",
            dependencies: [
                "TesseraCrypto",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                // The throwaway PostgreSQL launcher, shared with the tests (the store benchmark starts its own).
                "TesseraTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                // The RPC benchmark: the real client against the real server and an echo floor.
                "TesseraServer",
                "TesseraClient",
                "TesseraWire",
                // The login benchmark: the real flows and their services over PostgreSQL.
                "TesseraAuth",
                "TesseraAuthServices",
                "TesseraAudit",
                // The keyring benchmark: the rewrap against a plain batched UPDATE through the same drivers.
                "TesseraKeyring",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "TesseraWire",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(name: "TesseraStore"),
        .target(
            name: "TesseraStorePostgres",
            dependencies: [
                "TesseraStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraStoreSQLite",
            dependencies: [
                "TesseraStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraAudit",
            dependencies: [
                "TesseraCrypto",
                "TesseraStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraKeyring",
            dependencies: [
                "TesseraCrypto",
                "TesseraStore",
                "TesseraAudit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The login flows (accounts, lockout, MFA, sessions): the domain between the store, crypto, audit and
        // keyring below and the server's thin adapters above. No frames, sockets or protobuf here.
        .target(
            name: "TesseraAuth",
            dependencies: [
                "TesseraCrypto",
                "TesseraStore",
                "TesseraAudit",
                "TesseraKeyring",
                "CTesseraZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The thin RPC adapters of the login flows: a module of their own so the transport (TesseraServer) depends
        // on neither the domain nor the store.
        .target(
            name: "TesseraAuthServices",
            dependencies: [
                "TesseraAuth",
                "TesseraServer",
                "TesseraWire",
                "TesseraStore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The background sweeper of expired rows and audit partitions: a Service of the server's group, over the
        // store; no frames, no domain rules.
        .target(
            name: "TesseraSweeper",
            dependencies: [
                "TesseraStore",
                "TesseraObservability",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Key management for operators: the domain (every call audited with its caller) over the keyring and the
        // audit chain, and its thin RPC adapter, apart like the login flows and their services.
        .target(
            name: "TesseraAdmin",
            dependencies: [
                "TesseraKeyring",
                "TesseraAudit",
                "TesseraStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraAdminServices",
            dependencies: [
                "TesseraAdmin",
                "TesseraKeyring",
                "TesseraServer",
                "TesseraWire",
                "TesseraStore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "TesseraTestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "TesseraClient",
            dependencies: [
                "TesseraWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraServer",
            dependencies: [
                "TesseraCrypto",
                "TesseraWire",
                "TesseraObservability",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The application's configuration (`tessera serve`'s settings file, environment and flags), out of the
        // transport: it builds the transport's ServerConfiguration.
        .target(
            name: "TesseraSettings",
            dependencies: [
                "TesseraServer",
                "TesseraCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TesseraObservability",
            dependencies: [
                "TesseraWire",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tessera-bench",
            dependencies: [
                "TesseraBench",
                "TesseraClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // TESSERA_BENCH_NIO_EXECUTOR=1: NIO's event loops as Swift Concurrency's executor (main.swift).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraCrypto",
                "TesseraClient",
                "TesseraWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                "TesseraServer",
                "TesseraObservability",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraKeyring",
                "TesseraAudit",
                "TesseraAuth",
                "TesseraAuthServices",
                "TesseraAdmin",
                "TesseraAdminServices",
                "TesseraSettings",
                "TesseraSweeper",
                "TesseraPKCS11",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TesseraBenchTests",
            dependencies: ["TesseraBench"]
        ),
        .testTarget(
            name: "TesseraCryptoTests",
            dependencies: ["TesseraCrypto", "TesseraTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TesseraServerTests",
            dependencies: [
                "TesseraServer",
                "TesseraSettings",
                "TesseraTestSupport",
                "TesseraCrypto",
                "TesseraWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "TesseraWireTests",
            dependencies: [
                "TesseraWire",
                "TesseraTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "TesseraStoreTests",
            dependencies: [
                "TesseraAuth",
                "TesseraAudit",
                "TesseraCrypto",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "TesseraEndToEndTests",
            dependencies: [
                "TesseraAdmin",
                "TesseraAdminServices",
                "TesseraKeyring",
                "TesseraAuth",
                "TesseraAuthServices",
                "TesseraAudit",
                "TesseraClient",
                "TesseraServer",
                "TesseraCrypto",
                "TesseraWire",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "TesseraClientTests",
            dependencies: [
                "TesseraClient",
                "TesseraTestSupport",
                "TesseraWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "TesseraObservabilityTests",
            dependencies: [
                "TesseraObservability",
                "TesseraTestSupport",
                "TesseraWire",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TesseraKeyringTests",
            dependencies: [
                "TesseraCrypto",
                "TesseraPKCS11",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraKeyring",
                "TesseraAudit",
                "TesseraObservability",
                "TesseraTestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "TesseraAuthTests",
            dependencies: [
                "TesseraAuth",
                "TesseraCrypto",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraAudit",
                "TesseraKeyring",
                "TesseraTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TesseraSweeperTests",
            dependencies: [
                "TesseraSweeper",
                "TesseraObservability",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "TesseraAuditTests",
            dependencies: [
                "TesseraCrypto",
                "TesseraStore",
                "TesseraStorePostgres",
                "TesseraStoreSQLite",
                "TesseraAudit",
                "TesseraTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
