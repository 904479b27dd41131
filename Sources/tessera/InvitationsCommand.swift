import ArgumentParser
import Foundation
import TesseraAuth
import TesseraStore

/// `tessera invitations create|list|revoke`: invitation codes for registration, against the store.
///
/// Like `tessera users`, every change goes through the login flows and is audited with it. `create` prints the
/// code once: it is stored only as its SHA-256.
struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations",
        abstract: "Create, list and revoke invitation codes.",
        discussion: """
            Runs against the database directly (no server needed). A code is redeemed by Accounts/Register; \
            creating the user and taking one use are one transaction. See docs/auth-flows.md.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an invitation and print its code (once) and its id.",
            discussion: "Audited as invitation.created. The code is a secret: give it to the invitee only."
        )

        @Option(help: "The role of the users who register with it: admin, user or viewer.") var role = "user"
        @Option(name: .customLong("max-uses"), help: "Registrations it allows (default 1).") var maxUses = 1
        @Option(name: .customLong("ttl"), help: "Seconds it stays redeemable (default: 7 days).") var ttlSeconds: Int?
        @Option(help: "Bind it to this email address: it then redeems only for it.") var email: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            guard let role = UserRole(rawValue: role) else {
                throw InputError("the role must be admin, user or viewer")
            }
            let ttl = ttlSeconds
            let bound = email
            let uses = maxUses
            let created = try await UsersCommand.withFlows(store: store, rootKey: rootKey) { flows in
                try await UsersCommand.reporting {
                    try await flows.createInvitation(
                        role: role, maxUses: uses, lifetime: ttl.map { .seconds($0) }, email: bound)
                }
            }
            print(created.code.reveal())
            let invitation = created.invitation
            let useCount = "\(invitation.maxUses) use" + (invitation.maxUses == 1 ? "" : "s")
            var summary = "invitation \(invitation.id.uuidString.lowercased()): role \(invitation.role.rawValue), "
            summary += useCount + ", expires " + UsersCommand.time(invitation.expiresAt)
            if let bound = invitation.email { summary += ", bound to " + bound }
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List invitations (never their codes): id, state, role, uses, expiry, bound address.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let all = try await UsersCommand.withFlows(store: store, rootKey: rootKey) { flows in
                var all: [InvitationSummary] = []
                var after: UUID? = nil
                while true {
                    let page = try await flows.invitations(after: after, limit: 1000)
                    all += page
                    guard page.count == 1000, let last = page.last else { return all }
                    after = last.id
                }
            }
            print("id\tstate\trole\tuses\texpires\temail")
            for invitation in all {
                print(
                    [
                        invitation.id.uuidString.lowercased(), invitation.state.rawValue, invitation.role.rawValue,
                        "\(invitation.uses)/\(invitation.maxUses)", UsersCommand.time(invitation.expiresAt),
                        invitation.email ?? "-",
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an invitation: it redeems no more.", discussion: "Audited as invitation.revoked.")

        @Argument(help: ArgumentHelp("The invitation's id (a UUID).", valueName: "id")) var id: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw InputError("the invitation id must be a UUID") }
            let revoked = try await UsersCommand.withFlows(store: store, rootKey: rootKey) { flows in
                do {
                    return try await flows.revokeInvitation(id: uuid)
                } catch let error as AuthError where error.code == .notFound {
                    throw InputError("no such invitation")
                }
            }
            print(
                revoked
                    ? "revoked invitation \(uuid.uuidString.lowercased())"
                    : "invitation \(uuid.uuidString.lowercased()) was already revoked")
        }
    }
}
