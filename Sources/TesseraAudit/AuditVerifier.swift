import Foundation
import TesseraStore

/// Walks the audit chain in id order, page by page (bounded memory), checking every entry's signature, its link to
/// the entry before and the ids' density, and reports the first break.
public struct AuditVerifier: Sendable {
    /// The store holding the chain.
    public let store: any TesseraStore
    let key: AuditSigningKey
    /// Entries read per page.
    public let pageSize: Int

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - store: The store.
    ///   - key: The audit key.
    ///   - pageSize: Entries per page (default 1000); memory use is proportional to it, not to the chain.
    public init(store: any TesseraStore, key: AuditSigningKey, pageSize: Int = 1000) {
        self.store = store
        self.key = key
        self.pageSize = max(1, pageSize)
    }

    /// Verifies the chain up to the head as it is when the walk begins (entries appended meanwhile are left for the
    /// next run), then that no entry lies beyond the head as it is at the end.
    ///
    /// - Parameter progress: Called after every page.
    /// - Returns: ``AuditVerification/intact(entries:)`` or the first ``AuditBreak``.
    /// - Throws: `StoreError` when the store fails.
    public func verify(
        progress: (@Sendable (AuditVerificationProgress) -> Void)? = nil
    ) async throws -> AuditVerification {
        let head = try await store.auditChainHead()
        let lastID = head.id - 1
        var expectedID: Int64 = 1
        var previousHash = AuditCanonicalForm.genesisHash
        var after: Int64 = 0
        walk: while expectedID <= lastID {
            let page = try await store.auditEntries(after: after, limit: pageSize)
            guard let last = page.last else { break }
            for entry in page {
                if entry.id > lastID { break walk }
                if entry.id < expectedID { return .broken(AuditBreak(entryID: entry.id, reason: .outOfOrder)) }
                if entry.id > expectedID { return .broken(AuditBreak(entryID: expectedID, reason: .missing)) }
                let canonical = AuditCanonicalForm.bytes(of: entry)
                guard AuditCanonicalForm.isValidSignature(entry.signature, for: canonical, key: key) else {
                    return .broken(AuditBreak(entryID: entry.id, reason: .badSignature))
                }
                guard entry.previousHash == previousHash else {
                    return .broken(AuditBreak(entryID: entry.id, reason: .brokenLink))
                }
                previousHash = AuditCanonicalForm.hash(canonical)
                expectedID += 1
            }
            after = last.id
            progress?(AuditVerificationProgress(verified: expectedID - 1, total: lastID))
        }
        if expectedID <= lastID {
            return .broken(AuditBreak(entryID: expectedID, reason: .missing))
        }
        if lastID > 0 && previousHash != head.previousHash {
            return .broken(AuditBreak(entryID: lastID, reason: .headMismatch))
        }
        // Read after the walk against the head as it is then, so entries appended during the walk are not taken
        // for a rewind.
        if let beyond = try await store.firstAuditEntryBeyondChainHead() {
            return .broken(AuditBreak(entryID: beyond, reason: .beyondHead))
        }
        return .intact(entries: lastID)
    }
}
