import Foundation
import TesseraStore
import Testing

@Suite("Store conformance: keyring", .timeLimit(.minutes(5)))
struct KeyringConformanceTests {
    @Test("versions: insert, one active, states, data-key counts, revision", arguments: StoreBackend.allCases)
    func keyringLifecycle(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            #expect(try await store.masterKeyVersions().isEmpty)
            let start = try await store.keyringRevision()

            let v1 = MasterKeyVersionRecord(version: 1, wrappedKey: randomBytes(60), createdAt: Clock.now)
            try await store.insertMasterKeyVersion(v1)
            #expect(try await store.masterKeyVersions() == [v1])
            #expect(try await store.keyringRevision() > start)

            // Activating version 2 demotes version 1 in the same transaction.
            let v2 = MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(60), createdAt: Clock.later(60))
            try await store.insertMasterKeyVersion(v2)
            var demoted = v1
            demoted.state = .decryptOnly
            #expect(try await store.masterKeyVersions() == [demoted, v2])

            await expectStoreError(.duplicateKeyVersion) {
                try await store.insertMasterKeyVersion(
                    MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(60), createdAt: Clock.now))
            }
            // The refused insert demoted nothing.
            #expect(try await store.masterKeyVersions().map(\.state) == [.decryptOnly, .active])

            #expect(try await store.adjustDEKCount(version: 1, delta: 3) == 3)
            #expect(try await store.adjustDEKCount(version: 1, delta: -1) == 2)
            await expectStoreError(.invalidValue) { _ = try await store.adjustDEKCount(version: 1, delta: -5) }
            await expectStoreError(.notFound) { _ = try await store.adjustDEKCount(version: 9, delta: 1) }

            // A version still wrapping data keys cannot be retired; once rewrapped away it can.
            await expectStoreError(.invalidValue) { try await store.setMasterKeyState(version: 1, state: .retired) }
            #expect(try await store.adjustDEKCount(version: 1, delta: -2) == 0)
            let before = try await store.keyringRevision()
            try await store.setMasterKeyState(version: 1, state: .retired)
            #expect(try await store.keyringRevision() > before)
            await expectStoreError(.invalidValue) { _ = try await store.adjustDEKCount(version: 1, delta: 1) }
            await expectStoreError(.notFound) { try await store.setMasterKeyState(version: 7, state: .active) }

            // Re-activating an older version demotes the active one.
            try await store.setMasterKeyState(version: 1, state: .active)
            #expect(try await store.masterKeyVersions().map(\.state) == [.active, .decryptOnly])
        }
    }

    @Test("a version added through one store is seen by another through the revision", arguments: StoreBackend.allCases)
    func revisionSeenElsewhere(backend: StoreBackend) async throws {
        try await backend.withStores { replica, admin in
            try await admin.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 1, wrappedKey: randomBytes(60), createdAt: Clock.now))
            let seen = try await replica.keyringRevision()
            #expect(try await replica.keyringRevision() == seen)

            try await admin.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(60), createdAt: Clock.now))
            #expect(try await replica.keyringRevision() != seen)
            #expect(try await replica.masterKeyVersions().map(\.version) == [1, 2])
        }
    }

    @Test("10 concurrent rotations picking the same version: one wins, one active", arguments: StoreBackend.allCases)
    func concurrentRotation(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            try await first.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 1, wrappedKey: randomBytes(60), createdAt: Clock.now))
            let outcomes = try await race(10, first, second) { store in
                do {
                    try await store.insertMasterKeyVersion(
                        MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(60), createdAt: Clock.now))
                    return true
                } catch let error as StoreError where error.code == .duplicateKeyVersion {
                    return false
                }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await first.masterKeyVersions().map(\.state) == [.decryptOnly, .active])
        }
    }
}
