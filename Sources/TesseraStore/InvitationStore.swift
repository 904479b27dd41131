import Foundation

/// Invitations (`auth.invitations`): codes stored as hashes, redeemed atomically.
///
/// One of the narrow protocols ``TesseraStore`` is composed of: a flow, and its in-memory fake, depends only on the
/// parts it uses. Every method is a single atomic unit against the database.
public protocol InvitationStore: Sendable {

    /// Inserts an invitation.
    /// - Throws: ``StoreError/Code/duplicateInvitationCode``, ``StoreError/Code/invalidValue`` (max uses < 1).
    func createInvitation(_ invitation: InvitationRecord) async throws

    /// The invitation with this code hash, or nil.
    func invitation(codeHash: [UInt8]) async throws -> InvitationRecord?

    /// The invitation with this id, or nil.
    func invitation(id: UUID) async throws -> InvitationRecord?

    /// A page of invitations ordered by id, for operators' listings (keyset pagination: pass the last id of one
    /// page as `after` to get the next).
    /// - Parameters:
    ///   - after: Only invitations whose id sorts strictly after this one; nil for the first page.
    ///   - limit: The most returned (1 or more).
    /// - Throws: ``StoreError/Code/invalidValue`` for a limit below 1.
    func invitations(after: UUID?, limit: Int) async throws -> [InvitationRecord]

    /// Atomically takes one use of an invitation; never beyond `max_uses`, even under concurrency.
    func redeemInvitation(codeHash: [UInt8], now: Date) async throws -> InvitationRedemption

    /// Revokes an invitation. Returns whether it was revoked by this call (false if unknown or already revoked).
    func revokeInvitation(id: UUID, now: Date) async throws -> Bool

    /// Deletes invitations that expired before `cutoff`. Returns how many were deleted.
    ///
    /// Deletes at most `limit` rows, so a sweep holds its locks briefly and can be spread over time; call again
    /// while the result equals `limit`. On PostgreSQL rows another transaction has locked are skipped (`SKIP
    /// LOCKED`), so replicas sweeping at once neither wait for nor double-count each other.
    /// - Throws: ``StoreError/Code/invalidValue`` when `limit` is below 1.
    func deleteExpiredInvitations(before cutoff: Date, limit: Int) async throws -> Int
}
