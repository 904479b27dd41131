import ArgumentParser
import Foundation
import TesseraCrypto

/// `tessera totp enrol|code`: RFC 6238 enrolment material and codes, for operators and testing.
struct TotpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp",
        abstract: "Create TOTP enrolment material or compute the current code for a secret.",
        subcommands: [Enrol.self, Code.self]
    )

    /// The RFC 6238 parameters shared by both subcommands.
    struct ParameterOptions: ParsableArguments {
        @Option(help: "HMAC function: sha1, sha256 or sha512 (default: sha1, what most authenticator apps use).")
        var algorithm: String = "sha1"

        @Option(help: "Code length, 6 to 8 (default: 6).")
        var digits: Int = 6

        @Option(help: "Time step in seconds (default: 30).")
        var period: Int = 30

        func parameters() throws -> TOTPParameters {
            guard let algorithm = TOTPAlgorithm(uriName: algorithm) else {
                throw ValidationError("--algorithm takes sha1, sha256 or sha512")
            }
            return try TOTPParameters(algorithm: algorithm, digits: digits, periodSeconds: period)
        }
    }

    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol",
            abstract: "Generate a TOTP secret; print the otpauth:// URI and optionally write its QR code.",
            discussion: "The URI contains the secret: show it only to the person enrolling.",
            aliases: ["enroll"]
        )

        @Option(help: "The issuer shown in authenticator apps.")
        var issuer: String = "Tessera"

        @Option(help: "The account name, e.g. an email address.")
        var account: String

        @Option(help: ArgumentHelp("Write the QR code as a PNG to this file.", valueName: "path"))
        var qr: String?

        @OptionGroup var options: ParameterOptions

        func run() throws {
            let enrolment = try TOTPEnrolment(issuer: issuer, account: account, parameters: options.parameters())
            print(enrolment.uri.revealString())
            if let qr {
                try Self.writePrivately(enrolment.qrPNG, to: qr)
                FileHandle.standardError.write(Data("tessera: QR code written to \(qr)\n".utf8))
            }
        }

        /// Writes the QR code readable by its owner only (mode 0600, also when the file already exists): the
        /// picture holds the TOTP secret, and the default umask would leave it readable by every local user.
        private static func writePrivately(_ bytes: [UInt8], to path: String) throws {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw CryptoError(.invalidParameter, "cannot create the QR code file at \(path)")
            }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            guard fchmod(descriptor, 0o600) == 0 else {
                throw CryptoError(.internalFailure, "cannot restrict the QR code file at \(path) to its owner")
            }
            try handle.write(contentsOf: bytes)
            try handle.close()
        }
    }

    struct Code: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a base32 TOTP secret on standard input and print the current code."
        )

        @OptionGroup var options: ParameterOptions

        func run() throws {
            let secret = try TOTPSecret(base32: StandardInput.readSecret("base32 secret"))
            print(try TOTP.code(for: secret, at: Date(), parameters: options.parameters()))
        }
    }
}
