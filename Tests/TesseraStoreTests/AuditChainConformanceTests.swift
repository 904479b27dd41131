import Foundation
import TesseraStore
import Testing

/// A stand-in for the crypto layer's sealing: the signature names the entry, so the store's handling can be checked
/// without depending on the crypto module. (The real HMAC comes with the audit service.)
@Sendable
func testSeal(_ draft: AuditEntryDraft, _ link: AuditChainLink) -> AuditSeal {
    AuditSeal(entryHash: Array("hash-\(link.id)-\(draft.action)".utf8), signature: Array("sig-\(link.id)".utf8))
}

private struct SealRefused: Error {}

@Suite("Store conformance: audit log", .timeLimit(.minutes(5)))
struct AuditChainConformanceTests {
    @Test(
        "appends take increasing ids, store no previous hash and read back in id order",
        arguments: StoreBackend.allCases)
    func appendAndRead(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let empty = try await store.auditChainHead()
            #expect(empty == AuditChainLink(id: 1))
            #expect(try await store.auditEntries(after: 0, limit: 10).isEmpty)

            let actor = UUID()
            var appended: [AuditEntryRecord] = []
            for index in 1...5 {
                let draft = AuditEntryDraft(
                    entity: "session", action: "refresh.rotated", actorID: index.isMultiple(of: 2) ? actor : nil,
                    payload: ["outcome": "rotated", "count": "\(index)"], timestamp: Clock.later(Double(index)))
                appended.append(try await store.appendAuditEntry(draft, seal: testSeal))
            }
            #expect(appended.map(\.id) == [1, 2, 3, 4, 5])
            #expect(appended.allSatisfy { $0.previousHash.isEmpty })
            #expect(appended.map(\.signature) == (1...5).map { Array("sig-\($0)".utf8) })
            #expect(try await store.auditEntries(after: 0, limit: 10) == appended)
            // Paging with bounded memory.
            #expect(try await store.auditEntries(after: 2, limit: 2) == Array(appended[2...3]))
            #expect(try await store.auditChainHead() == AuditChainLink(id: 6))
            // Nothing is in the tree until the sequencer runs.
            #expect(try await store.latestAuditCheckpoint() == nil)
            #expect(try await store.unsequencedAuditEntries(after: 0, limit: 10) == appended)
            #expect(try await store.auditEntry(id: 3) == appended[2])
        }
    }

    @Test("a sealing failure appends nothing and surfaces the caller's error", arguments: StoreBackend.allCases)
    func sealFailure(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let draft = AuditEntryDraft(entity: "user", action: "login.failed", timestamp: Clock.now)
            _ = try await store.appendAuditEntry(draft, seal: testSeal)
            await #expect(throws: SealRefused.self) {
                _ = try await store.appendAuditEntry(draft) { _, _ in throw SealRefused() }
            }
            #expect(try await store.auditChainHead().id == 2)
            #expect(try await store.auditEntries(after: 0, limit: 10).count == 1)
        }
    }

    @Test("40 concurrent appends from two stores all land, with distinct ids", arguments: StoreBackend.allCases)
    func concurrentAppends(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let ids = try await race(40, first, second) { store in
                try await store.appendAuditEntry(
                    AuditEntryDraft(entity: "user", action: "login.succeeded", timestamp: Clock.now),
                    seal: testSeal
                ).id
            }
            #expect(ids.sorted() == Array(1...40))
            let entries = try await first.auditEntries(after: 0, limit: 100)
            #expect(entries.map(\.id) == Array(1...40))
            #expect(entries.allSatisfy { $0.signature == Array("sig-\($0.id)".utf8) })
        }
    }
}
