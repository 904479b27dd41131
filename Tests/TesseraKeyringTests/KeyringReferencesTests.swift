import Foundation
import Prometheus
import TesseraCrypto
import TesseraKeyring
import TesseraObservability
import TesseraStore
import Testing

/// The count behind the old-master-key-version alert: data keys still wrapped by decrypt-only versions, counted on a
/// real store and exported as `tessera_keyring_old_version_*` in the Prometheus text `/metrics` serves.
@Suite("Keyring: data keys still under old versions, as metrics", .timeLimit(.minutes(5)))
struct KeyringReferencesTests {
    /// The exposition's sample lines (no `# TYPE`/`# HELP`).
    private static func samples(_ registry: PrometheusCollectorRegistry) -> [String] {
        registry.emitToString().split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    private static func record(_ references: KeyringReferences, into metrics: KeyringMetrics) {
        metrics.recordReferences(
            dataKeys: Dictionary(uniqueKeysWithValues: references.versions.map { ($0.version, $0.dataKeys) }),
            oldestReferencedSeconds: references.oldestReferencedAge,
            countedAt: references.countedAt.timeIntervalSince1970
        )
    }

    @Test(
        "rotation leaves the data keys under the old version until a rewrap; retirement removes its series",
        arguments: Backend.allCases)
    func oldVersionReferences(backend: Backend) async throws {
        try await backend.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                let registry = PrometheusCollectorRegistry()
                let metrics = KeyringMetrics(factory: MetricsBootstrap.makeFactory(registry: registry))

                _ = try await RewrapJobTests.seedProviderKeys(4, manager: manager, store: store)
                for _ in 0..<3 {
                    var user = makeUser()
                    user.sealedTOTPSecret = try manager.cipher.seal(
                        Array("JBSWY3DPEHPK3PXP".utf8), context: try TOTPSecretContext.make(userID: user.id)
                    ).serialized
                    try await store.createUser(user)
                }

                // Only the active version: nothing is old, nothing to scan.
                let before = try await manager.countReferences()
                #expect(before.versions.isEmpty && before.oldestReferencedAge == 0)

                try await manager.rotate()
                let records = try await store.masterKeyVersions()
                let successor = try #require(records.first { $0.version == 2 }).createdAt
                let later = successor.addingTimeInterval(7200)
                let rotated = try await manager.countReferences(now: later)
                let old = try #require(rotated.versions.first)
                #expect(rotated.versions.count == 1 && old.version == 1)
                #expect(old.providerKeys == 4 && old.totpSecrets == 3 && old.dataKeys == 7)
                #expect(abs(old.supersededAt.timeIntervalSince(successor)) < 0.001)
                #expect(abs(rotated.oldestReferencedAge - 7200) < 0.01)
                Self.record(rotated, into: metrics)
                var samples = Self.samples(registry)
                #expect(samples.contains(#"tessera_keyring_old_version_data_keys{version="1"} 7.0"#), "\(samples)")
                let age = samples.first { $0.hasPrefix("tessera_keyring_old_version_referenced_seconds ") }
                #expect(age.flatMap { Double($0.split(separator: " ")[1]) }.map { abs($0 - 7200) < 0.01 } == true)
                #expect(
                    samples.contains(
                        "tessera_keyring_references_counted_timestamp_seconds \(later.timeIntervalSince1970)"
                    ),
                    "\(samples)"
                )

                // Part of the rewrap: the count follows the rows, not the stored bookkeeping.
                let step = try await manager.rewrap(batchSize: 2, maxBatches: 1)
                #expect(!step.finished && step.rewrapped > 0)
                let partial = try await manager.countReferences(now: later)
                #expect(partial.versions.map(\.dataKeys) == [7 - step.rewrapped])

                _ = try await manager.rewrap(batchSize: 5)
                let rewrapped = try await manager.countReferences(now: later)
                #expect(rewrapped.versions.map(\.dataKeys) == [0] && rewrapped.oldestReferencedAge == 0)
                Self.record(rewrapped, into: metrics)
                samples = Self.samples(registry)
                #expect(samples.contains(#"tessera_keyring_old_version_data_keys{version="1"} 0.0"#), "\(samples)")
                #expect(samples.contains("tessera_keyring_old_version_referenced_seconds 0.0"), "\(samples)")

                try await manager.retire(version: 1)
                let retired = try await manager.countReferences(now: later)
                #expect(retired.versions.isEmpty)
                Self.record(retired, into: metrics)
                samples = Self.samples(registry)
                #expect(!samples.contains { $0.hasPrefix("tessera_keyring_old_version_data_keys{") }, "\(samples)")
            }
        }
    }

    @Test("two old versions: each has its series; the age is the longest-superseded one still referenced")
    func twoOldVersions() async throws {
        try await Backend.sqlite.withDatabase { location in
            try await Backend.withStore(at: location) { store in
                let manager = try await KeyringManager.start(store: store, rootKey: .generate())
                _ = try await RewrapJobTests.seedProviderKeys(2, manager: manager, store: store)
                let start = Date()
                try await manager.rotate(now: start)
                _ = try await RewrapJobTests.seedProviderKeys(3, manager: manager, store: store)
                try await manager.rotate(now: start.addingTimeInterval(600))
                let now = start.addingTimeInterval(3600)
                let references = try await manager.countReferences(now: now)
                #expect(references.versions.map(\.version) == [1, 2])
                #expect(references.versions.map(\.dataKeys) == [2, 3])
                #expect(abs(references.oldestReferencedAge - 3600) < 1, "version 1 was superseded at the start")
            }
        }
    }
}
