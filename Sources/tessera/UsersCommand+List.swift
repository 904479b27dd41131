import ArgumentParser
import Foundation
import TesseraAuth
import TesseraStore

extension UsersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List accounts by email address: id, role, MFA, lock, disabled, last sign-in.",
            discussion: """
                One page at a time, in byte order of the email address. When the page is full, the command to \
                get the next one is printed on standard error (pass the last email shown to --after).
                """
        )

        @Option(help: "Accounts per page, 1 to 1000.")
        var limit: Int = 50

        @Option(
            help: ArgumentHelp(
                "Start after this email address (the last one of the previous page).", valueName: "email"))
        var after: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        }

        func run() async throws {
            // Stored emails are normalised to lower case, and so is the cursor.
            let cursor = after?.lowercased()
            let page = try await store.withCheckedStore { try await $0.users(after: cursor, limit: limit) }
            let now = Date()
            var rows = [["email", "id", "role", "mfa", "locked", "disabled", "last login"]]
            for user in page {
                rows.append([
                    user.email, user.id.uuidString.lowercased(), user.role.rawValue,
                    user.sealedTOTPSecret == nil ? "off" : "on",
                    user.isLocked(at: now) ? UsersCommand.time(user.lockedUntil) : "no",
                    user.disabledAt == nil ? "no" : "yes", UsersCommand.time(user.lastLogin, placeholder: "never"),
                ])
            }
            for line in Table.lines(rows) { print(line) }
            if page.count == limit, let last = page.last {
                FileHandle.standardError.write(Data("tessera: more may follow: --after \(last.email)\n".utf8))
            }
        }
    }
}
