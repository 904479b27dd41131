import Foundation

/// Tessera's persistent state: the narrow stores composed into one, with one conformance suite and a PostgreSQL
/// and an SQLite backend.
///
/// Every method is a single atomic unit against the database. Values the service must keep secret arrive already
/// hashed or sealed (`[UInt8]` digests, sealed blobs, PHC strings): the store never sees a plaintext.
///
/// Expected outcomes (an exhausted invitation, a reused refresh token) are returned as values; ``StoreError`` is
/// thrown for failures (a duplicate email, a missing row, a lost connection).
public protocol TesseraStore:
    SchemaStore & UserStore & SessionStore & InvitationStore & PasswordResetStore & ProviderKeyStore & TOTPStateStore
        & MFAChallengeStore & EmailVerificationStore & KeyringStore & KeyringRewrapStore & RewrapJobStore & AuditStore
        & AuditLedgerStore & TransactionStore & RootKeyStore
{}

extension SessionStore {
    /// Rotates a refresh token without recording anything: the audited rotation with no entry (see
    /// ``TesseraStore/rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:)``).
    public func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration
    ) async throws -> RefreshRotation {
        let none = RefreshRotationAudit.none
        return try await self.rotateRefreshToken(
            oldHash: oldHash, newHash: newHash, newExpiresAt: newExpiresAt, now: now, graceWindow: graceWindow,
            audit: none.audit, seal: none.seal
        ).outcome
    }
}
