import Foundation

/// Tessera's persistent state: one protocol, one conformance suite, a PostgreSQL and an SQLite backend.
///
/// Every method is a single atomic unit against the database. Values the service must keep secret arrive already
/// hashed or sealed (`[UInt8]` digests, sealed blobs, PHC strings): the store never sees a plaintext.
///
/// Expected outcomes (an exhausted invitation, a reused refresh token) are returned as values; ``StoreError`` is
/// thrown for failures (a duplicate email, a missing row, a lost connection).
public protocol TesseraStore: Sendable {
    // MARK: Schema

    /// Applies every pending migration, each in its own transaction, and returns those it applied (empty when the
    /// schema was already current).
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database has a migration this code does not know.
    func migrate() async throws -> [Migration]

    /// The highest migration version applied to the database, or 0 for an empty database.
    func schemaVersion() async throws -> Int

    /// Verifies that the database is at exactly the schema this code knows (for a server about to start).
    /// - Throws: ``StoreError/Code/schemaTooNew`` when the database is ahead of this code;
    ///   ``StoreError/Code/migrationFailed`` when migrations are pending.
    func checkSchema() async throws

    // MARK: Users

    /// Inserts a user.
    /// - Throws: ``StoreError/Code/duplicateEmail``, ``StoreError/Code/invalidValue`` (malformed email).
    func createUser(_ user: UserRecord) async throws

    /// The user with this id, or nil.
    func user(id: UUID) async throws -> UserRecord?

    /// The user with this (normalised) email address, or nil.
    func user(email: String) async throws -> UserRecord?

    /// Overwrites every column of an existing user except `id` and `createdAt`.
    /// - Throws: ``StoreError/Code/notFound``, ``StoreError/Code/duplicateEmail``.
    func updateUser(_ user: UserRecord) async throws

    /// Atomically adds one failed login and, when the count reaches `lockThreshold`, sets `locked_until` to
    /// `now + lockDuration`. Returns the new count.
    /// - Throws: ``StoreError/Code/notFound``.
    func recordFailedLogin(userID: UUID, now: Date, lockThreshold: Int, lockDuration: Duration) async throws -> Int

    /// Records a successful login: `last_login = now`, failures reset, lock cleared.
    /// - Throws: ``StoreError/Code/notFound``.
    func recordSuccessfulLogin(userID: UUID, now: Date) async throws

    /// Deletes a user and (by cascade) everything that belongs to them. Returns whether a row was deleted.
    func deleteUser(id: UUID) async throws -> Bool

    // MARK: Sessions (refresh tokens)

    /// Inserts a session row (usually the first token of a family, made with
    /// ``SessionRecord/init(id:userID:refreshTokenHash:expiresAt:deviceInfo:createdAt:)``).
    /// - Throws: ``StoreError/Code/duplicateRefreshToken``, ``StoreError/Code/foreignKey`` (unknown user).
    func createSession(_ session: SessionRecord) async throws

    /// The session row with this refresh-token hash (current or not), or nil.
    func session(refreshTokenHash: [UInt8]) async throws -> SessionRecord?

    /// Every session row of a user, current or not, oldest first.
    func sessions(userID: UUID) async throws -> [SessionRecord]

    /// Atomically rotates a refresh token: if `oldHash` is its family's current token and not expired, marks it
    /// rotated and inserts a successor holding `newHash`, so exactly one token per family is current.
    ///
    /// A concurrent second rotation of the same old token, within `graceWindow` of the first, observes the winner
    /// (``RefreshRotation/alreadyRotated(current:)``) instead of forking the family. A rotation of an old token
    /// later than that is a replay: the whole family is revoked (``RefreshRotation/reuseDetected(familyID:)``).
    ///
    /// The same as the audited
    /// ``rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:audit:seal:)`` recording nothing; every
    /// backend gets it from the protocol extension.
    /// - Throws: ``StoreError/Code/duplicateRefreshToken`` when `newHash` is already in use.
    func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration
    ) async throws -> RefreshRotation

    /// Rotates a refresh token (exactly as
    /// ``rotateRefreshToken(oldHash:newHash:newExpiresAt:now:graceWindow:)``) and appends the audit entry recording
    /// the outcome, in ONE transaction: the entry exists if and only if the rotation committed, and a refusal that
    /// writes (a replay revoking the family) is recorded as atomically as a rotation.
    ///
    /// Once the outcome is decided under the row lock, the store calls `audit` with it and the presented row (nil
    /// when no session has `oldHash`); when that returns a draft, the store appends it like
    /// ``appendAuditEntry(_:seal:)`` before COMMIT, taking the chain lock last. Any error (a taken `newHash`, a
    /// throwing closure, whose error reaches the caller unchanged) rolls back both the rotation and the entry.
    /// - Parameters:
    ///   - oldHash: The presented refresh token's hash.
    ///   - newHash: The successor token's hash.
    ///   - newExpiresAt: When the successor expires.
    ///   - now: The time of the request.
    ///   - graceWindow: How long after a rotation a second presentation counts as a concurrent refresh.
    ///   - audit: The entry to record for an outcome and the presented row, or nil for none; runs inside the
    ///     transaction, so keep it short and free of I/O.
    ///   - seal: Computes the entry's hash and signature, as for ``appendAuditEntry(_:seal:)``.
    /// - Returns: The outcome and the appended entry (nil when `audit` returned nil).
    /// - Throws: ``StoreError/Code/duplicateRefreshToken`` when `newHash` is already in use.
    func rotateRefreshToken(
        oldHash: [UInt8],
        newHash: [UInt8],
        newExpiresAt: Date,
        now: Date,
        graceWindow: Duration,
        audit: @escaping @Sendable (RefreshRotation, SessionRecord?) throws -> AuditEntryDraft?,
        seal: @escaping @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditedRefreshRotation

    /// Revokes every not-yet-revoked row of a family. Returns how many rows changed.
    func revokeSessionFamily(familyID: UUID, now: Date) async throws -> Int

    /// Revokes every not-yet-revoked session row of a user (e.g. after a password reset). Returns how many changed.
    func revokeSessions(userID: UUID, now: Date) async throws -> Int

    /// Deletes session rows that expired before `cutoff`. Returns how many were deleted.
    func deleteExpiredSessions(before cutoff: Date) async throws -> Int

    // MARK: Invitations

    /// Inserts an invitation.
    /// - Throws: ``StoreError/Code/duplicateInvitationCode``, ``StoreError/Code/invalidValue`` (max uses < 1).
    func createInvitation(_ invitation: InvitationRecord) async throws

    /// The invitation with this code hash, or nil.
    func invitation(codeHash: [UInt8]) async throws -> InvitationRecord?

    /// Atomically takes one use of an invitation; never beyond `max_uses`, even under concurrency.
    func redeemInvitation(codeHash: [UInt8], now: Date) async throws -> InvitationRedemption

    /// Revokes an invitation. Returns whether it was revoked by this call (false if unknown or already revoked).
    func revokeInvitation(id: UUID, now: Date) async throws -> Bool

    /// Deletes invitations that expired before `cutoff`. Returns how many were deleted.
    func deleteExpiredInvitations(before cutoff: Date) async throws -> Int

    // MARK: Password resets

    /// Inserts a password reset.
    /// - Throws: ``StoreError/Code/duplicateResetToken``, ``StoreError/Code/foreignKey`` (unknown user).
    func createPasswordReset(_ reset: PasswordResetRecord) async throws

    /// The reset with this token hash, or nil.
    func passwordReset(tokenHash: [UInt8]) async throws -> PasswordResetRecord?

    /// Atomically consumes a reset token: exactly one caller ever gets ``PasswordResetConsumption/consumed(_:)``.
    func consumePasswordReset(tokenHash: [UInt8], now: Date) async throws -> PasswordResetConsumption

    /// Deletes resets that expired before `cutoff`. Returns how many were deleted.
    func deleteExpiredPasswordResets(before cutoff: Date) async throws -> Int

    // MARK: Provider keys

    /// Inserts a provider key.
    /// - Throws: ``StoreError/Code/duplicateProvider`` (same user and provider type), ``StoreError/Code/foreignKey``.
    func createProviderKey(_ key: ProviderKeyRecord) async throws

    /// The user's key for a provider type, or nil.
    func providerKey(userID: UUID, providerType: String) async throws -> ProviderKeyRecord?

    /// Every provider key of a user, ordered by provider type.
    func providerKeys(userID: UUID) async throws -> [ProviderKeyRecord]

    /// Overwrites every column of an existing provider key except `id`, `userID` and `createdAt`.
    /// - Throws: ``StoreError/Code/notFound``, ``StoreError/Code/duplicateProvider``.
    func updateProviderKey(_ key: ProviderKeyRecord) async throws

    /// Deletes a provider key. Returns whether a row was deleted.
    func deleteProviderKey(id: UUID) async throws -> Bool

    // MARK: TOTP state

    /// Atomically accepts a TOTP time step for a user if it is later than every step accepted before (replay
    /// protection). Returns false for a replayed (or older) step.
    /// - Throws: ``StoreError/Code/foreignKey`` (unknown user).
    func acceptTOTPStep(userID: UUID, step: Int64) async throws -> Bool

    /// Replaces a user's recovery codes (hashes) with a new set, in one transaction.
    /// - Throws: ``StoreError/Code/duplicateRecoveryCode``, ``StoreError/Code/foreignKey``.
    func replaceRecoveryCodes(userID: UUID, codeHashes: [[UInt8]], now: Date) async throws

    /// Atomically consumes one unused recovery code of a user. Returns false when none matches.
    func consumeRecoveryCode(userID: UUID, codeHash: [UInt8], now: Date) async throws -> Bool

    /// How many unused recovery codes a user has.
    func remainingRecoveryCodes(userID: UUID) async throws -> Int

    // MARK: Keyring

    /// Inserts a master key version. When it is ``MasterKeyState/active``, the previously active version becomes
    /// ``MasterKeyState/decryptOnly`` in the same transaction. Bumps the keyring revision.
    ///
    /// The caller picks the version (the last one + 1) because it is bound into the wrapping as associated data;
    /// two concurrent rotations picking the same number get one success and one
    /// ``StoreError/Code/duplicateKeyVersion``.
    func insertMasterKeyVersion(_ record: MasterKeyVersionRecord) async throws

    /// Every master key version, in version order.
    func masterKeyVersions() async throws -> [MasterKeyVersionRecord]

    /// Changes a version's state (activating one demotes the active one). Retiring a version that still wraps data
    /// keys is refused. Bumps the keyring revision.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/invalidValue`` when retiring a version in use.
    func setMasterKeyState(version: Int, state: MasterKeyState) async throws

    /// Atomically adds `delta` (may be negative) to a version's count of wrapped data keys; returns the new count.
    /// - Throws: ``StoreError/Code/notFound``; ``StoreError/Code/invalidValue`` if the count would go negative.
    func adjustDEKCount(version: Int, delta: Int64) async throws -> Int64

    /// A counter that changes whenever the keyring does (a version added, a state changed): one single-row read, so
    /// every replica can poll it cheaply and reload the keyring only when it moved.
    func keyringRevision() async throws -> Int64

    // MARK: Keyring rewrap

    /// Up to `limit` provider keys selected by `filter` on their `encrypted_dek`, with ids above `afterID` (nil:
    /// from the start), in id order: a rewrap walks them page by page and can stop and resume anywhere.
    func providerDEKs(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [ProviderDEKReference]

    /// How many provider keys `filter` selects (e.g. how many still reference a master key version).
    func countProviderDEKs(_ filter: ProviderDEKFilter) async throws -> Int64

    /// Atomically replaces a provider key's `encrypted_dek` if it still holds `expected` (a compare-and-swap, so a
    /// key the user replaced meanwhile is left alone), and in the same transaction moves one data key from
    /// `fromVersion`'s count to `toVersion`'s. Touches no other column (`encrypted_api_key` stays byte for byte).
    ///
    /// The old version's count does not go below zero (keys written before counting began are still moved).
    /// - Returns: Whether the row was changed.
    func replaceProviderDEK(id: UUID, expected: [UInt8], replacement: [UInt8], fromVersion: Int, toVersion: Int)
        async throws -> Bool

    /// Up to `limit` users' sealed TOTP secrets selected by `filter` on their leading bytes (a sealed envelope
    /// starts with the same format byte and version as a wrapped key), users without one skipped, with user ids
    /// above `afterID` (nil: from the start), in id order.
    func sealedTOTPSecrets(_ filter: ProviderDEKFilter, after afterID: UUID?, limit: Int) async throws
        -> [SealedTOTPSecretReference]

    /// How many users' sealed TOTP secrets `filter` selects.
    func countSealedTOTPSecrets(_ filter: ProviderDEKFilter) async throws -> Int64

    /// Atomically replaces a user's `totp_secret` if it still holds `expected` (a compare-and-swap, so a secret the
    /// user re-enrolled meanwhile is left alone). Touches no other column.
    /// - Returns: Whether the row was changed.
    func replaceSealedTOTPSecret(userID: UUID, expected: [UInt8], replacement: [UInt8]) async throws -> Bool

    // MARK: Audit chain

    /// Appends one entry to the audit chain. Under the chain lock (a single-row chain head, so appends are linear
    /// across processes too) the store picks the entry's id and previous hash, calls `seal` with them, inserts the
    /// entry with the returned signature and moves the head to the returned hash — all in one transaction.
    /// - Parameters:
    ///   - draft: What to record.
    ///   - seal: Computes the entry's hash and signature from its canonical form; runs inside the transaction, so
    ///     keep it short and free of I/O.
    /// - Returns: The stored entry.
    func appendAuditEntry(
        _ draft: AuditEntryDraft,
        seal: @Sendable (AuditEntryDraft, AuditChainLink) throws -> AuditSeal
    ) async throws -> AuditEntryRecord

    /// Up to `limit` entries with ids above `afterID`, in chain order: a verifier walks the chain page by page with
    /// bounded memory.
    func auditEntries(after afterID: Int64, limit: Int) async throws -> [AuditEntryRecord]

    /// The link the next entry would get: the last entry's id + 1, and the last entry's hash (32 zero bytes when
    /// the chain is empty).
    func auditChainHead() async throws -> AuditChainLink

    /// The smallest id of an entry above the chain head, read with the head in one snapshot, or nil when there is
    /// none (always, unless the head was rewound: appends insert an entry and move the head in one transaction).
    func firstAuditEntryBeyondChainHead() async throws -> Int64?
}

extension TesseraStore {
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
