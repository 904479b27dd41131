import Foundation
import TesseraStore

/// One kind of expiring row the ``Sweeper`` deletes: its name (the `kind` metric label) and the store's batched
/// delete of it.
///
/// Adding a kind is one entry in ``all``: `SweepKind("name") { try await $0.deleteExpiredX(before: $1, limit: $2) }`.
public struct SweepKind: Sendable, CustomStringConvertible {
    /// The kind's name: the `kind` label of the sweeper's metrics and the log's `kind` field. A fixed, lowercase
    /// name written in code, so the labels form a closed set.
    public let name: String
    /// Deletes up to `limit` rows of a kind that expired before `cutoff`; returns how many it deleted.
    public typealias Delete = @Sendable (_ store: any TesseraStore, _ cutoff: Date, _ limit: Int) async throws -> Int

    /// The store's batched delete of this kind.
    let deleteExpired: Delete

    /// Creates a kind.
    /// - Parameters:
    ///   - name: The metric label, from a literal.
    ///   - deleteExpired: The store's batched delete of the kind (`store`, `cutoff`, `limit`).
    public init(
        _ name: StaticString,
        deleteExpired: @escaping Delete
    ) {
        self.name = "\(name)"
        self.deleteExpired = deleteExpired
    }

    /// Every kind the server sweeps, in the order each run visits them.
    public static let all: [SweepKind] = [
        SweepKind("sessions") { try await $0.deleteExpiredSessions(before: $1, limit: $2) },
        SweepKind("invitations") { try await $0.deleteExpiredInvitations(before: $1, limit: $2) },
        SweepKind("password_resets") { try await $0.deleteExpiredPasswordResets(before: $1, limit: $2) },
        SweepKind("mfa_challenges") { try await $0.deleteExpiredMFAChallenges(before: $1, limit: $2) },
        SweepKind("email_verifications") { try await $0.deleteExpiredEmailVerifications(before: $1, limit: $2) },
        // The per-address reset-request limit counts the last hour; older records only take space.
        SweepKind("password_reset_requests") { try await $0.deletePasswordResetRequests(before: $1, limit: $2) },
    ]

    /// The name.
    public var description: String { name }
}
