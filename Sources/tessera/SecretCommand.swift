import ArgumentParser
import Foundation
import TesseraCrypto

/// `tessera secret seal|open`: envelope encryption with the master keyring, for operators and scripts.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Seal a secret into an envelope or open one (AES-256-GCM, per-secret data key).",
        discussion: "See docs/envelope-format.md for the envelope's bytes.",
        subcommands: [Seal.self, Open.self]
    )

    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a plaintext on standard input and print its sealed envelope in base64."
        )

        @OptionGroup var key: MasterKeyOptions
        @OptionGroup var context: ContextOptions

        func run() throws {
            var plaintext = try StandardInput.readBytes(atMost: 64 * 1024, "plaintext")
            let secret = SecretBytes(zeroing: &plaintext)
            guard !secret.isEmpty else { throw InputError("expected the plaintext on standard input") }
            let cipher = EnvelopeCipher(keyring: try key.load().keyring)
            let sealed = try cipher.seal(secret, context: try context.context())
            print(Data(sealed.serialized).base64EncodedString())
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a base64 envelope and write the plaintext to standard output.",
            discussion: "Any failure (tampering, wrong context, unknown key) is one opaque error, by design."
        )

        @Argument(help: "The envelope, base64 as printed by 'tessera secret seal'.")
        var envelope: String

        @OptionGroup var key: MasterKeyOptions
        @OptionGroup var context: ContextOptions

        func run() throws {
            guard let bytes = Data(base64Encoded: envelope) else {
                throw InputError("the envelope is not valid base64")
            }
            let cipher = EnvelopeCipher(keyring: try key.load().keyring)
            let plaintext = try cipher.open(serialized: Array(bytes), context: try context.context())
            plaintext.withUnsafeBytes { FileHandle.standardOutput.write(Data($0)) }
        }
    }
}
