/// A user's role, as stored in `auth.users.role` (and `auth.invitations.role`).
public enum UserRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Full administrative access.
    case admin
    /// An ordinary user.
    case user
    /// Read-only access.
    case viewer
}
