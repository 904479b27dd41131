import Foundation
import TesseraStore
import Testing

/// A stand-in for the crypto layer's sealing: the "hash" names the entry, so the chain's links can be checked
/// without depending on the crypto module. (The real HMAC/hash comes with the audit service.)
@Sendable
func testSeal(_ draft: AuditEntryDraft, _ link: AuditChainLink) -> AuditSeal {
    AuditSeal(entryHash: Array("hash-\(link.id)-\(draft.action)".utf8), signature: Array("sig-\(link.id)".utf8))
}

private struct SealRefused: Error {}

@Suite("Store conformance: audit chain", .timeLimit(.minutes(5)))
struct AuditChainConformanceTests {
    @Test("appends link each entry to the previous one's hash", arguments: StoreBackend.allCases)
    func appendAndRead(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let empty = try await store.auditChainHead()
            #expect(empty == AuditChainLink(id: 1, previousHash: [UInt8](repeating: 0, count: 32)))
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
            #expect(appended[0].previousHash == [UInt8](repeating: 0, count: 32))
            for (previous, entry) in zip(appended, appended.dropFirst()) {
                #expect(entry.previousHash == Array("hash-\(previous.id)-refresh.rotated".utf8))
            }
            #expect(try await store.auditEntries(after: 0, limit: 10) == appended)
            // Paging with bounded memory.
            #expect(try await store.auditEntries(after: 2, limit: 2) == Array(appended[2...3]))
            #expect(
                try await store.auditChainHead()
                    == AuditChainLink(id: 6, previousHash: Array("hash-5-refresh.rotated".utf8)))
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

    @Test("40 concurrent appends from two stores stay one linear chain", arguments: StoreBackend.allCases)
    func concurrentAppends(backend: StoreBackend) async throws {
        try await backend.withStores { first, second in
            let ids = try await race(40, first, second) { store in
                try await store.appendAuditEntry(
                    AuditEntryDraft(entity: "user", action: "login.succeeded", timestamp: Clock.now),
                    seal: testSeal
                ).id
            }
            #expect(ids.sorted() == Array(1...40))
            let chain = try await first.auditEntries(after: 0, limit: 100)
            #expect(chain.map(\.id) == Array(1...40))
            for (previous, entry) in zip(chain, chain.dropFirst()) {
                #expect(entry.previousHash == Array("hash-\(previous.id)-login.succeeded".utf8))
            }
        }
    }
}
