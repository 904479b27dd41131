import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import TesseraStoreSQLite
import Testing

/// Shared keys and steps of the audit tests.
enum AuditFixture {
    /// The checkpoint key every test signs with.
    static let checkpointKey = AuditCheckpointKey(seed: SecretBytes(copying: SecureRandom.bytes(count: 32)))

    /// Runs `body` on a migrated SQLite store in a temporary directory, removed afterwards.
    static func withSQLite(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tessera.sqlite").path
        try await SQLiteStore.withStore(configuration: SQLiteStoreConfiguration(path: path)) { store in
            _ = try await store.migrate()
            try await body(store)
        }
    }

    /// A sequencer with the test keys.
    static func sequencer(
        _ store: any TesseraStore, key: AuditSigningKey, maxBatch: Int = 20_000
    ) -> AuditSequencer {
        AuditSequencer(
            store: store, key: key, checkpointKey: checkpointKey,
            configuration: .init(interval: .milliseconds(50), maxBatch: maxBatch)
        )
    }

    /// A verifier with the test keys.
    static func verifier(_ store: any TesseraStore, key: AuditSigningKey, pageSize: Int = 1000) -> AuditVerifier {
        AuditVerifier(store: store, key: key, publicKey: checkpointKey.publicKey, pageSize: pageSize)
    }

    /// Places every committed entry, then verifies and expects the log intact with no unsealed tail.
    static func sealAndVerify(
        _ store: any TesseraStore, key: AuditSigningKey, pageSize: Int = 1000
    ) async throws -> AuditVerificationReport {
        try await sequencer(store, key: key).drain()
        let report = try await verifier(store, key: key, pageSize: pageSize).verify()
        #expect(report.firstBreak == nil)
        #expect(report.unsealedEntries == 0)
        return report
    }
}
