import Foundation
import Synchronization
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraKeyring
import TesseraStore
import Testing

/// Stored provider API keys through the domain, on both backends, with the persistent keyring: put, replace, list,
/// open (audited with the caller), delete; the context binding; bad input; the keyring's data-key counts; and the
/// race of opens against a rotation and a rewrap on another replica.
@Suite("Auth flows: provider keys", .timeLimit(.minutes(5)))
struct ProviderKeyFlowTests {
    /// The flows over a started keyring on the harness's store, and a second replica's over the second store.
    struct Replicas: Sendable {
        let first: ProviderKeys
        let firstKeyring: KeyringManager
        let second: ProviderKeys
        let secondKeyring: KeyringManager
    }

    static func replicas(_ h: AuthBackend.Harness, _ other: any TesseraStore) async throws -> Replicas {
        let root = RootKey.generate()
        let firstKeyring = try await KeyringManager.start(store: h.store, rootKey: root)
        let secondKeyring = try await KeyringManager.start(store: other, rootKey: root)
        return Replicas(
            first: ProviderKeys(
                keyring: firstKeyring, audit: AuditLog(store: h.store, key: h.auditKey), clock: h.clock.auth),
            firstKeyring: firstKeyring,
            second: ProviderKeys(
                keyring: secondKeyring, audit: AuditLog(store: other, key: h.auditKey), clock: h.clock.auth),
            secondKeyring: secondKeyring
        )
    }

    static func apiKey(_ tag: String = "") -> String { "sk-test-\(tag)\(UUID().uuidString.lowercased())" }

    @Test("put, list, open, replace, delete; counts and audit entries follow", arguments: AuthBackend.allCases)
    func lifecycle(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            let user = try await registered(h.flows, newEmail())
            let first = Self.apiKey("a")
            let stored = try await r.first.put(
                userID: user, providerType: "openai", displayName: "OpenAI", modelName: "gpt-4o", apiKey: first,
                caller: "login"
            )
            #expect(!stored.replaced)
            #expect(stored.key.keyLast4Chars == String(first.suffix(4)))
            #expect(stored.key.displayName == "OpenAI")
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [1])

            let opened = try await r.second.open(userID: user, providerType: "openai", caller: "provider-proxy")
            #expect(opened.revealAPIKey() == first)
            #expect(opened.modelName == "gpt-4o")
            #expect(!"\(opened)".contains(first))

            let replacement = Self.apiKey("b")
            let again = try await r.second.put(
                userID: user, providerType: "openai", apiKey: replacement, caller: "login")
            #expect(again.replaced)
            #expect(again.key.id == stored.key.id)
            #expect(again.key.displayName == "openai")
            #expect(again.key.modelName == nil)
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [1])
            let reopened = try await r.first.open(userID: user, providerType: "openai", caller: "x")
            #expect(reopened.revealAPIKey() == replacement)

            _ = try await r.first.put(userID: user, providerType: "anthropic", apiKey: Self.apiKey(), caller: "login")
            let listed = try await r.first.list(userID: user)
            #expect(listed.map(\.providerType) == ["anthropic", "openai"])
            #expect(listed.last?.keyLast4Chars == String(replacement.suffix(4)))
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [2])

            #expect(try await r.first.delete(userID: user, providerType: "openai", caller: "login"))
            #expect(try await r.first.delete(userID: user, providerType: "openai", caller: "login") == false)
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [1])
            await expectAuthError(.notFound) {
                _ = try await r.first.open(userID: user, providerType: "openai", caller: "provider-proxy")
            }

            let entries = try await h.auditEntries().filter { $0.entity == "provider_key" }
            #expect(
                entries.map(\.action) == [
                    "provider_key.stored", "provider_key.opened", "provider_key.stored", "provider_key.opened",
                    "provider_key.stored", "provider_key.deleted",
                ])
            #expect(entries[1].payload["caller"] == "provider-proxy")
            #expect(entries[1].payload["provider_type"] == "openai")
            #expect(entries[1].actorID == user)
            #expect(entries[3].payload["caller"] == "x")
            for entry in entries {
                for key in [first, replacement] {
                    #expect(!entry.payload.values.contains { $0.contains(key) })
                }
            }
        }
    }

    @Test(
        "a key sealed for one user or provider never opens as another's; the failure is audited",
        arguments: AuthBackend.allCases)
    func contextBinding(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            let alice = try await registered(h.flows, newEmail())
            let bob = try await registered(h.flows, newEmail())
            let secret = Self.apiKey("alice")
            _ = try await r.first.put(userID: alice, providerType: "openai", apiKey: secret, caller: "login")
            _ = try await r.first.put(userID: alice, providerType: "mistral", apiKey: Self.apiKey(), caller: "login")
            _ = try await r.first.put(userID: bob, providerType: "openai", apiKey: Self.apiKey(), caller: "login")
            let stolen = try #require(try await h.store.providerKey(userID: alice, providerType: "openai"))

            // Alice's sealed columns moved to Bob's row, and to Alice's other provider's row.
            for (user, type) in [(bob, "openai"), (alice, "mistral")] {
                var row = try #require(try await h.store.providerKey(userID: user, providerType: type))
                row.encryptedAPIKey = stolen.encryptedAPIKey
                row.encryptedDEK = stolen.encryptedDEK
                try await h.store.updateProviderKey(row)
                for flows in [r.first, r.second] {
                    await expectAuthError(.failedPrecondition) {
                        _ = try await flows.open(userID: user, providerType: type, caller: "provider-proxy")
                    }
                }
            }
            #expect(try await r.first.open(userID: alice, providerType: "openai", caller: "p").revealAPIKey() == secret)
            let failed = try await h.auditEntries().filter { $0.action == "provider_key.open-failed" }
            #expect(failed.count == 4)
        }
    }

    /// A request with one malformed field.
    struct BadPut: Sendable, CustomTestStringConvertible {
        let label: String
        var providerType = "openai"
        var displayName = ""
        var modelName = ""
        var apiKey = "sk-a-perfectly-good-key-0000"
        var testDescription: String { label }
    }

    static let badPuts: [BadPut] = [
        BadPut(label: "empty provider type", providerType: ""),
        BadPut(label: "upper-case provider type", providerType: "OpenAI"),
        BadPut(label: "provider type with a space", providerType: "open ai"),
        BadPut(label: "provider type starting with a digit", providerType: "1openai"),
        BadPut(label: "provider type of 49 bytes", providerType: String(repeating: "a", count: 49)),
        BadPut(label: "provider type with 7 digits", providerType: "p1234567"),
        BadPut(label: "provider type with a NUL", providerType: "open\u{0}ai"),
        BadPut(label: "display name of 129 bytes", displayName: String(repeating: "n", count: 129)),
        BadPut(label: "display name with a newline", displayName: "Open\nAI"),
        BadPut(label: "model name with a control character", modelName: "gpt\u{7}"),
        BadPut(label: "model name of 129 bytes", modelName: String(repeating: "m", count: 129)),
        BadPut(label: "empty API key", apiKey: ""),
        BadPut(label: "API key of 15 bytes", apiKey: "sk-123456789012"),
        BadPut(label: "API key of 4097 bytes", apiKey: String(repeating: "k", count: 4_097)),
        BadPut(label: "API key with a space", apiKey: "sk-a-perfectly good-key-0000"),
        BadPut(label: "API key with a newline", apiKey: "sk-a-perfectly-good-key-0000\n"),
        BadPut(label: "API key with non-ASCII", apiKey: "sk-a-perfectly-good-kéy-0000"),
        BadPut(label: "API key with a NUL", apiKey: "sk-a-perfectly-good\u{0}-key-0000"),
    ]

    @Test(
        "bad input of every kind is INVALID_ARGUMENT, changes nothing, and never echoes the key",
        arguments: AuthBackend.allCases, badPuts)
    func badInput(backend: AuthBackend, bad: BadPut) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            let user = try await registered(h.flows, newEmail())
            let before = try await h.auditEntries().count
            do {
                _ = try await r.first.put(
                    userID: user, providerType: bad.providerType, displayName: bad.displayName,
                    modelName: bad.modelName, apiKey: bad.apiKey, caller: "login"
                )
                Issue.record("accepted: \(bad.label)")
            } catch let error as AuthError {
                #expect(error.code == .invalidArgument)
                #expect(bad.apiKey.count < 8 || !error.description.contains(bad.apiKey))
            }
            #expect(try await h.store.providerKeys(userID: user).isEmpty)
            #expect(try await h.auditEntries().count == before)
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [0])
        }
    }

    @Test("unknown users and malformed provider types on every method", arguments: AuthBackend.allCases)
    func unknownAndMalformed(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            let nobody = UUID()
            await expectAuthError(.notFound) {
                _ = try await r.first.put(userID: nobody, providerType: "openai", apiKey: Self.apiKey(), caller: "l")
            }
            await expectAuthError(.notFound) { _ = try await r.first.list(userID: nobody) }
            await expectAuthError(.notFound) {
                _ = try await r.first.open(userID: nobody, providerType: "openai", caller: "p")
            }
            await expectAuthError(.notFound) {
                _ = try await r.first.delete(userID: nobody, providerType: "openai", caller: "l")
            }
            let user = try await registered(h.flows, newEmail())
            await expectAuthError(.invalidArgument) {
                _ = try await r.first.open(userID: user, providerType: "Open AI", caller: "p")
            }
            await expectAuthError(.invalidArgument) {
                _ = try await r.first.delete(userID: user, providerType: "", caller: "l")
            }
            // A disabled account's keys are not handed out.
            _ = try await r.first.put(userID: user, providerType: "openai", apiKey: Self.apiKey(), caller: "l")
            _ = try await h.flows.setDisabled(userID: user, true)
            await expectAuthError(.failedPrecondition) {
                _ = try await r.first.open(userID: user, providerType: "openai", caller: "p")
            }
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [1])
            #expect(try await h.store.providerKeys(userID: nobody).isEmpty)
            // A caller name that is no audit name is recorded as `unnamed`, never as free text.
            _ = try await h.flows.setDisabled(userID: user, false)
            _ = try await r.first.open(userID: user, providerType: "openai", caller: "Proxy #7 (eu-west)")
            let last = try #require(try await h.auditEntries().last)
            #expect(last.payload["caller"] == "unnamed")
        }
    }

    @Test(
        "the keyring's rewrap covers stored keys: payload byte for byte, data key moved, counts moved, v1 retired",
        arguments: AuthBackend.allCases)
    func rewrapCoversStoredKeys(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            var plaintexts: [UUID: String] = [:]
            for _ in 0..<5 {
                let user = try await registered(h.flows, newEmail())
                let key = Self.apiKey()
                _ = try await r.first.put(userID: user, providerType: "openai", apiKey: key, caller: "l")
                plaintexts[user] = key
            }
            var before: [UUID: ProviderKeyRecord] = [:]
            for user in plaintexts.keys {
                before[user] = try await h.store.providerKey(userID: user, providerType: "openai")
            }
            try await r.secondKeyring.rotate()
            let report = try await r.secondKeyring.rewrap(batchSize: 2)
            #expect(report.finished && report.rewrapped == 5 && report.failed == 0)
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [0, 5])
            for (user, key) in plaintexts {
                let row = try #require(try await h.store.providerKey(userID: user, providerType: "openai"))
                #expect(row.encryptedAPIKey == before[user]?.encryptedAPIKey)
                #expect(row.encryptedDEK != before[user]?.encryptedDEK)
                #expect(try WrappedKey(serialized: row.encryptedDEK).masterKeyVersion == 2)
                // The first replica has not polled: it reloads on the key it cannot open.
                let opened = try await r.first.open(userID: user, providerType: "openai", caller: "p")
                #expect(opened.revealAPIKey() == key)
            }
            try await r.secondKeyring.retire(version: 1)
            #expect(try await h.store.masterKeyVersions().map(\.state) == [.retired, .active])
        }
    }

    @Test(
        "a Put sealed under a version another replica retired meanwhile reloads and seals under the active one",
        arguments: AuthBackend.allCases)
    func putAfterRetirementElsewhere(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            let user = try await registered(h.flows, newEmail())
            try await r.secondKeyring.rotate()
            try await r.secondKeyring.retire(version: 1)
            // The first replica still seals under version 1, which gains no data keys now.
            #expect(r.firstKeyring.cipher.keyring.activeVersion == 1)
            let key = Self.apiKey()
            _ = try await r.first.put(userID: user, providerType: "openai", apiKey: key, caller: "l")
            let row = try #require(try await h.store.providerKey(userID: user, providerType: "openai"))
            #expect(try WrappedKey(serialized: row.encryptedDEK).masterKeyVersion == 2)
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [0, 1])
            #expect(try await r.second.open(userID: user, providerType: "openai", caller: "p").revealAPIKey() == key)
        }
    }

    @Test(
        "20 concurrent opens on two replicas while the other replica rotates and rewraps: every one is right",
        arguments: AuthBackend.allCases)
    func opensDuringRotation(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            var plaintexts: [(UUID, String)] = []
            for _ in 0..<4 {
                let user = try await registered(h.flows, newEmail())
                let key = Self.apiKey()
                _ = try await r.first.put(userID: user, providerType: "openai", apiKey: key, caller: "l")
                plaintexts.append((user, key))
            }
            let expected = plaintexts
            let done = RotationDone()
            let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
                group.addTask {
                    try await r.secondKeyring.rotate()
                    _ = try await r.secondKeyring.rewrap(batchSize: 1)
                    try await r.secondKeyring.rotate()
                    _ = try await r.secondKeyring.rewrap(batchSize: 1)
                    done.finish()
                    return []
                }
                for index in 0..<20 {
                    let flows = index.isMultiple(of: 2) ? r.first : r.second
                    let (user, key) = expected[index % expected.count]
                    group.addTask {
                        var outcomes: [Bool] = []
                        // Opens throughout the rotation, and one after it.
                        repeat {
                            let opened = try await flows.open(userID: user, providerType: "openai", caller: "p")
                            outcomes.append(opened.revealAPIKey() == key)
                        } while !done.isFinished
                        let opened = try await flows.open(userID: user, providerType: "openai", caller: "p")
                        outcomes.append(opened.revealAPIKey() == key)
                        return outcomes
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count >= 20)
            #expect(results.allSatisfy { $0 })
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [0, 0, 4])
        }
    }

    @Test(
        "concurrent replacements on two replicas during a rotation and rewrap: one row each, exact counts, v1 retires",
        arguments: AuthBackend.allCases)
    func replacementsDuringRewrap(backend: AuthBackend) async throws {
        try await backend.with { h, other in
            let r = try await Self.replicas(h, other)
            var users: [UUID] = []
            for _ in 0..<3 {
                let user = try await registered(h.flows, newEmail())
                _ = try await r.first.put(userID: user, providerType: "openai", apiKey: Self.apiKey(), caller: "l")
                users.append(user)
            }
            let owners = users
            let written = try await withThrowingTaskGroup(of: (UUID, String)?.self) { group in
                group.addTask {
                    try await r.secondKeyring.rotate()
                    _ = try await r.secondKeyring.rewrap(batchSize: 1)
                    return nil
                }
                for index in 0..<12 {
                    let flows = index.isMultiple(of: 2) ? r.first : r.second
                    let user = owners[index % owners.count]
                    group.addTask {
                        let key = Self.apiKey("\(index)-")
                        _ = try await flows.put(userID: user, providerType: "openai", apiKey: key, caller: "l")
                        return (user, key)
                    }
                }
                return try await group.reduce(into: [(UUID, String)]()) { if let pair = $1 { $0.append(pair) } }
            }
            #expect(written.count == 12)
            // One row per user, holding one of the keys written for it; the counts add up to the rows.
            for user in owners {
                #expect(try await h.store.providerKeys(userID: user).count == 1)
                let opened = try await r.first.open(userID: user, providerType: "openai", caller: "p").revealAPIKey()
                #expect(written.contains { $0.0 == user && $0.1 == opened })
            }
            #expect(try await h.store.masterKeyVersions().map(\.dekCount).reduce(0, +) == 3)
            // A Put that sealed under version 1 after the rewrap's scan passed it is picked up by a second run.
            _ = try await r.secondKeyring.rewrap()
            #expect(try await h.store.masterKeyVersions().map(\.dekCount) == [0, 3])
            try await r.secondKeyring.retire(version: 1)
        }
    }
}

/// A flag the rotating task raises when it is done.
final class RotationDone: Sendable {
    private let flag = Mutex(false)

    var isFinished: Bool { flag.withLock { $0 } }

    func finish() { flag.withLock { $0 = true } }
}
