import ArgumentParser
import Foundation
import TesseraAuth

extension UsersCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one account (never its hash or TOTP secret) and its live sessions.",
            discussion: "Sessions are listed newest first, by session id, with the device description given at sign-in."
        )

        @OptionGroup var target: UserArgument
        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let (user, codesLeft, sessions) = try await UsersCommand.withFlows(store: store, rootKey: rootKey) {
                flows in
                let user = try await target.resolve(in: flows)
                let codesLeft = user.mfaEnabled ? try await flows.recoveryCodesLeft(userID: user.id) : 0
                return (user, codesLeft, try await flows.sessions(of: user.id))
            }
            let fields: [(String, String)] = [
                ("id", user.id.uuidString.lowercased()),
                ("email", user.email),
                ("role", user.role.rawValue),
                ("verified", user.verified ? "yes" : "no"),
                ("mfa", user.mfaEnabled ? "totp, \(codesLeft) recovery codes left" : "off"),
                ("created", UsersCommand.time(user.createdAt)),
                ("last login", UsersCommand.time(user.lastLogin, placeholder: "never")),
                ("failed logins", String(user.failedLoginAttempts)),
                (
                    "locked",
                    user.lockedUntil.map { $0 == .distantFuture ? "permanently" : "until " + UsersCommand.time($0) }
                        ?? "no"
                ),
                ("disabled", user.disabledAt.map { "since \(UsersCommand.time($0))" } ?? "no"),
                ("sessions", "\(sessions.count) live"),
            ]
            for (name, value) in fields {
                print(name + ":" + String(repeating: " ", count: 15 - name.count) + value)
            }
            guard !sessions.isEmpty else { return }
            print("")
            var rows = [["session", "assurance", "created", "last used", "expires", "device"]]
            for session in sessions {
                let device = session.deviceInfo.sorted { $0.key < $1.key }.map {
                    Self.printable("\($0.key)=\($0.value)")
                }
                rows.append([
                    session.sessionID.uuidString.lowercased(), session.assurance.rawValue,
                    UsersCommand.time(session.createdAt), UsersCommand.time(session.lastUsed, placeholder: "never"),
                    UsersCommand.time(session.expiresAt), device.isEmpty ? "-" : device.joined(separator: " "),
                ])
            }
            for line in Table.lines(rows) { print(line) }
        }

        /// A device description as one terminal-safe word: it comes from the login service's caller, so control
        /// characters (terminal escapes) and spaces are shown as `?`.
        static func printable(_ text: String) -> String {
            String(
                String.UnicodeScalarView(
                    text.unicodeScalars.map {
                        $0.properties.isWhitespace || $0.properties.generalCategory == .control ? "?" : $0
                    }
                )
            )
        }
    }
}
