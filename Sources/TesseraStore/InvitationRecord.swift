import Foundation

/// A row of `auth.invitations`: an invitation code (stored hashed) good for up to `maxUses` registrations.
public struct InvitationRecord: Sendable, Hashable {
    /// The invitation's id.
    public var id: UUID
    /// The hash of the invitation code.
    public var codeHash: [UInt8]
    /// The role granted to users who register with it.
    public var role: UserRole
    /// How many times it may be redeemed (at least 1).
    public var maxUses: Int
    /// How many times it has been redeemed.
    public var uses: Int
    /// When it stops being redeemable.
    public var expiresAt: Date
    /// The user who created it, if any.
    public var createdBy: UUID?
    /// When it was created.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// The (normalised) email address it is bound to, if any: it then redeems only for that address.
    public var email: String?

    /// Creates an invitation value.
    /// - Parameters:
    ///   - id: The id.
    ///   - codeHash: The code's hash.
    ///   - role: The role granted.
    ///   - maxUses: Maximum redemptions.
    ///   - uses: Redemptions so far.
    ///   - expiresAt: Expiry.
    ///   - createdBy: Creator.
    ///   - createdAt: Creation time.
    ///   - revokedAt: Revocation time.
    ///   - email: The email address it is bound to.
    public init(
        id: UUID = UUID(),
        codeHash: [UInt8],
        role: UserRole = .user,
        maxUses: Int = 1,
        uses: Int = 0,
        expiresAt: Date,
        createdBy: UUID? = nil,
        createdAt: Date,
        revokedAt: Date? = nil,
        email: String? = nil
    ) {
        self.id = id
        self.codeHash = codeHash
        self.role = role
        self.maxUses = maxUses
        self.uses = uses
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.email = email
    }
}
