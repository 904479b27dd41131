import ArgumentParser
import TesseraCrypto

/// `tessera token new|check`: the opaque token format shared by refresh tokens, invitations, resets and callers.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create an opaque token, or check one's format and print the digest that is stored.",
        discussion: "See docs/tokens.md for the format.",
        subcommands: [New.self, Check.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token of the given kind, then its SHA-256 digest (the stored form)."
        )

        @Argument(help: "The kind: \(TokenKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: String

        func run() throws {
            let token = OpaqueToken.generate(try TokenKind.parseArgument(kind))
            print(token.reveal())
            print("sha256:\(token.digest.hex)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a token on standard input; exit 0 and print its digest when it is well formed.",
            discussion: "Only the format (prefix, alphabet, length, checksum) is checked, never a database."
        )

        @Argument(help: "The kind expected: \(TokenKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: String

        func run() throws {
            let token = try OpaqueToken.parse(
                StandardInput.readSecret("token"), expecting: TokenKind.parseArgument(kind))
            print("sha256:\(token.digest.hex)")
        }
    }
}

extension TokenKind {
    /// Parses a command-line kind name, with a one-line error listing the valid ones.
    static func parseArgument(_ text: String) throws -> TokenKind {
        guard let kind = TokenKind(rawValue: text) else {
            throw ValidationError("unknown token kind; use one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }
}
