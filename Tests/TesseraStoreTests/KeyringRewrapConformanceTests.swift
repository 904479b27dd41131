import Foundation
import TesseraStore
import Testing

@Suite("Store conformance: keyring rewrap scans")
struct KeyringRewrapConformanceTests {
    /// A fake wrapped key: format byte 1, the version big-endian, then filler (the store only compares prefixes).
    private static func dek(version: UInt8) -> [UInt8] {
        [1, 0, 0, 0, version] + randomBytes(60)
    }

    @Test(
        "prefix scans page in id order, count, and a compare-and-swap moves one count", arguments: StoreBackend.allCases
    )
    func rewrapScans(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await store.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 1, wrappedKey: randomBytes(61), createdAt: Clock.now)
            )
            try await store.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: 2, wrappedKey: randomBytes(61), createdAt: Clock.now)
            )
            var keys: [ProviderKeyRecord] = []
            for index in 0..<7 {
                let user = makeUser()
                try await store.createUser(user)
                let key = ProviderKeyRecord(
                    userID: user.id, providerName: "P", providerType: "type-\(index)", encryptedAPIKey: randomBytes(40),
                    encryptedDEK: Self.dek(version: index < 5 ? 1 : 2), keyLast4Chars: "wxyz", createdAt: Clock.now
                )
                try await store.createProviderKey(key)
                keys.append(key)
            }
            _ = try await store.adjustDEKCount(version: 1, delta: 5)
            _ = try await store.adjustDEKCount(version: 2, delta: 2)
            let v1: [UInt8] = [1, 0, 0, 0, 1]
            let v2: [UInt8] = [1, 0, 0, 0, 2]
            #expect(try await store.countProviderDEKs(.prefixed(v1)) == 5)
            #expect(try await store.countProviderDEKs(.notPrefixed(v2)) == 5)
            #expect(try await store.countProviderDEKs(.prefixed(v2)) == 2)

            // Keyset paging by id covers each selected row exactly once, in id order.
            var seen: [UUID] = []
            var after: UUID?
            while true {
                let page = try await store.providerDEKs(.notPrefixed(v2), after: after, limit: 2)
                guard let last = page.last else { break }
                #expect(page.count <= 2)
                seen += page.map(\.id)
                after = last.id
            }
            let expected = keys.prefix(5).map(\.id)
            #expect(Set(seen) == Set(expected))
            #expect(seen.count == 5)
            let first = try #require(try await store.providerDEKs(.prefixed(v1), after: nil, limit: 1).first)
            let original = try #require(keys.first { $0.id == first.id })
            #expect(first.userID == original.userID)
            #expect(first.providerType == original.providerType)
            #expect(first.encryptedDEK == original.encryptedDEK)

            // A stale expected value changes nothing; the right one swaps the DEK and moves one count.
            let replacement = Self.dek(version: 2)
            #expect(
                try await store.replaceProviderDEK(
                    id: first.id, expected: randomBytes(65), replacement: replacement, fromVersion: 1, toVersion: 2
                ) == false
            )
            #expect(try await store.masterKeyVersions().map(\.dekCount) == [5, 2])
            #expect(
                try await store.replaceProviderDEK(
                    id: first.id, expected: first.encryptedDEK, replacement: replacement, fromVersion: 1, toVersion: 2
                )
            )
            #expect(try await store.masterKeyVersions().map(\.dekCount) == [4, 3])
            let stored = try #require(
                try await store.providerKey(userID: first.userID, providerType: first.providerType))
            #expect(stored.encryptedDEK == replacement)
            #expect(stored.encryptedAPIKey == original.encryptedAPIKey)
            #expect(stored.updatedAt == original.updatedAt)
            #expect(try await store.countProviderDEKs(.prefixed(v1)) == 4)
        }
    }
}
