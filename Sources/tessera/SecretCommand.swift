import ArgumentParser
import Foundation
import TesseraClient
import TesseraCrypto
import TesseraKeyring

/// `tessera secret seal|open`: envelope encryption with the persistent keyring, for operators and scripts.
///
/// The envelopes are the server's: sealed here against the database (with the root key) they open through
/// `tessera.v1.Secrets/Open` on a server of the same database, and the reverse; with `--server` the server seals
/// and opens them.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Seal a secret into an envelope or open one (AES-256-GCM, per-secret data key).",
        discussion: """
            The data key is wrapped by the active master key version of the persistent keyring (the one \
            'tessera serve' and 'tessera keys' use), so the envelope opens on any server of the same database, \
            after rotations too, until its version is retired. Against the store, the command needs the \
            database (--database-url…, default the embedded SQLite file) and the root key (--root-key-file, \
            $TESSERA_ROOT_KEY, PKCS#11, else the DEVELOPMENT key keys-dev/root-key.dev; --production refuses \
            that one). With --server it needs neither: a running server seals or opens it \
            (tessera.v1.Secrets/Seal, /Open) for a caller allowed those methods. \
            See docs/envelope-format.md for the envelope's bytes.
            """,
        subcommands: [Seal.self, Open.self]
    )

    /// The most bytes a plaintext may have (the envelope format's limit).
    static let maxPlaintextBytes = 64 * 1024

    /// The one line every failure to open prints, whatever the cause: tampering, another context, another
    /// keyring, a retired version. The same reason as the server's `Secrets/Open`.
    static let doesNotOpen = "the sealed value could not be opened"

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a plaintext on standard input and print its sealed envelope in base64.",
            discussion: """
                On an empty keyring the first seal creates master key version 1, as the first 'tessera keys' \
                command does. The seal is counted in the active version's usage (docs/keyring.md).
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions
        @OptionGroup var remote: SecretServerOptions
        @OptionGroup var context: ContextOptions

        func validate() throws { try remote.check(store) }

        func run() async throws {
            var plaintext = try StandardInput.readBytes(atMost: SecretCommand.maxPlaintextBytes, "plaintext")
            guard !plaintext.isEmpty else { throw InputError("expected the plaintext on standard input") }
            let sealed: [UInt8]
            if remote.server {
                let pairs = try context.dictionary()
                defer { plaintext.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
                sealed = try await remote.client.withClient(
                    timeout: try ClientOptions.duration(seconds: remote.timeoutSeconds)
                ) {
                    try await $0.seal(plaintext, context: pairs)
                }
            } else {
                let secret = SecretBytes(zeroing: &plaintext)
                let context = try context.context()
                sealed = try await KeysCommand.withManager(store: store, rootKey: rootKey) { manager in
                    let envelope = try manager.cipher.seal(secret, context: context)
                    // Counted like the server's seals, so the usage limits see the CLI's wraps too.
                    try await manager.flushUsage()
                    return envelope.serialized
                }
            }
            print(Data(sealed).base64EncodedString())
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a base64 envelope and write the plaintext to standard output.",
            discussion: """
                Any failure of the envelope (tampering, another context, another keyring, a retired version) is \
                one opaque error, by design. A root key that does not open the keyring is refused first, naming \
                its fingerprint. Nothing is written to the database.
                """
        )

        @Argument(help: "The envelope, base64 as printed by 'tessera secret seal' or returned by Secrets/Seal.")
        var envelope: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions
        @OptionGroup var remote: SecretServerOptions
        @OptionGroup var context: ContextOptions

        func validate() throws { try remote.check(store) }

        func run() async throws {
            guard let bytes = Data(base64Encoded: envelope) else {
                throw InputError("the envelope is not valid base64")
            }
            if remote.server {
                let pairs = try context.dictionary()
                var plaintext = try await remote.client.withClient(
                    timeout: try ClientOptions.duration(seconds: remote.timeoutSeconds)
                ) {
                    try await $0.open(Array(bytes), context: pairs)
                }
                defer { plaintext.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
                FileHandle.standardOutput.write(Data(plaintext))
                return
            }
            let context = try context.context()
            let plaintext = try await KeysCommand.withManager(store: store, rootKey: rootKey, createIfEmpty: false) {
                manager in
                do {
                    return try manager.cipher.open(serialized: Array(bytes), context: context)
                } catch {
                    throw InputError(SecretCommand.doesNotOpen)
                }
            }
            plaintext.withUnsafeBytes { FileHandle.standardOutput.write(Data($0)) }
        }
    }
}
