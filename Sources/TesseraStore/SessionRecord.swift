import Foundation

/// A row of `auth.sessions`: one refresh token of a session family.
///
/// Every rotation inserts a successor row in the same family (`familyID`), linked to its predecessor (`parentID`),
/// and marks the predecessor rotated. At most one row of a family is current (neither rotated nor revoked).
public struct SessionRecord: Sendable, Hashable {
    /// The row's id.
    public var id: UUID
    /// The user the session belongs to.
    public var userID: UUID
    /// The hash of the refresh token (the token itself is never stored).
    public var refreshTokenHash: [UInt8]
    /// When this refresh token expires.
    public var expiresAt: Date
    /// Client/device description (the `device_info` jsonb column), as string pairs.
    public var deviceInfo: [String: String]
    /// When this row was created (the token issued).
    public var createdAt: Date
    /// When the token was last used.
    public var lastUsed: Date?
    /// The session family: the id of the first row of the rotation chain.
    public var familyID: UUID
    /// The row this one was rotated from, or nil for the first token of a family.
    public var parentID: UUID?
    /// How many rotations led to this token (0 for the first).
    public var rotationCounter: Int
    /// When this token was rotated (replaced by a successor), if it was.
    public var rotatedAt: Date?
    /// When this token (with its family) was revoked, if it was.
    public var revokedAt: Date?
    /// When the whole family stops being refreshable, whatever the rotations (the session's absolute lifetime),
    /// or nil for no such limit. Every successor keeps it and expires no later.
    public var familyExpiresAt: Date?

    /// Whether the token is the family's current one (neither rotated nor revoked); expiry is checked separately.
    public var isCurrent: Bool { self.rotatedAt == nil && self.revokedAt == nil }

    /// Creates the first token of a new session family.
    /// - Parameters:
    ///   - id: The row's id, also the family id.
    ///   - userID: The owner.
    ///   - refreshTokenHash: The refresh token's hash.
    ///   - expiresAt: The token's expiry.
    ///   - deviceInfo: Client/device description.
    ///   - createdAt: Issue time.
    ///   - familyExpiresAt: The family's absolute end, if any.
    public init(
        id: UUID = UUID(),
        userID: UUID,
        refreshTokenHash: [UInt8],
        expiresAt: Date,
        deviceInfo: [String: String] = [:],
        createdAt: Date,
        familyExpiresAt: Date? = nil
    ) {
        self.init(
            id: id, userID: userID, refreshTokenHash: refreshTokenHash, expiresAt: expiresAt, deviceInfo: deviceInfo,
            createdAt: createdAt, lastUsed: nil, familyID: id, parentID: nil, rotationCounter: 0, rotatedAt: nil,
            revokedAt: nil, familyExpiresAt: familyExpiresAt
        )
    }

    /// Creates a value with every column given (as read back from the database).
    /// - Parameters:
    ///   - id: The row's id.
    ///   - userID: The owner.
    ///   - refreshTokenHash: The refresh token's hash.
    ///   - expiresAt: The token's expiry.
    ///   - deviceInfo: Client/device description.
    ///   - createdAt: Issue time.
    ///   - lastUsed: Last use.
    ///   - familyID: The family id.
    ///   - parentID: The predecessor.
    ///   - rotationCounter: Rotations so far.
    ///   - rotatedAt: Rotation time.
    ///   - revokedAt: Revocation time.
    ///   - familyExpiresAt: The family's absolute end, if any.
    public init(
        id: UUID,
        userID: UUID,
        refreshTokenHash: [UInt8],
        expiresAt: Date,
        deviceInfo: [String: String],
        createdAt: Date,
        lastUsed: Date?,
        familyID: UUID,
        parentID: UUID?,
        rotationCounter: Int,
        rotatedAt: Date?,
        revokedAt: Date?,
        familyExpiresAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.refreshTokenHash = refreshTokenHash
        self.expiresAt = expiresAt
        self.deviceInfo = deviceInfo
        self.createdAt = createdAt
        self.lastUsed = lastUsed
        self.familyID = familyID
        self.parentID = parentID
        self.rotationCounter = rotationCounter
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
        self.familyExpiresAt = familyExpiresAt
    }
}
