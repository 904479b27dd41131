import ArgumentParser
import Foundation
import Logging
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraPKCS11
import TesseraStore

extension KeysCommand {
    /// `tessera keys rotate-root`: moves the keyring to a new root key in one transaction.
    struct RotateRoot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-root",
            abstract: "Re-wrap every master key version under a new root key (one transaction, repeatable).",
            discussion: """
                The current root key is chosen as for every keys command (--pkcs11-key, --root-key-file, \
                $TESSERA_ROOT_KEY). The new one is --new-pkcs11-key (generated in the token when the label is \
                free) or --new-root-key-file: created (mode 0600, synced to disk) when the file does not \
                exist yet, used as it is when it does, so a run that was interrupted is simply run again with \
                the same arguments. Every master key version is re-wrapped under the new key in one \
                transaction, so the keyring is either wholly under the old key or wholly under the new one. A \
                run after one that committed says so and changes nothing; it no longer needs the old key. The \
                audit chain, recovery codes and sessions are unaffected (the purpose keys are carried over). \
                Afterwards restart every server with the new root key; the old key is no longer needed. See \
                docs/operations.md, "Root key rotation".
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Option(
            name: .customLong("new-root-key-file"),
            help: ArgumentHelp(
                "The new root key file: created with a random key if it does not exist, else used as it is.",
                valueName: "path"
            )
        )
        var newRootKeyFile: String?

        @Option(
            name: .customLong("new-pkcs11-key"),
            help: ArgumentHelp(
                "The new root key's label on the PKCS#11 token of --pkcs11-module/--pkcs11-token: generated there "
                    + "(never extractable) if no key has the label, else used as it is.",
                valueName: "label"
            )
        )
        var newPKCS11Key: String?

        func validate() throws {
            guard (newRootKeyFile == nil) != (newPKCS11Key == nil) else {
                throw ValidationError("give exactly one of --new-root-key-file and --new-pkcs11-key")
            }
        }

        func run() async throws {
            // The current key may be gone already when this repeats a run that committed: keep its error for later.
            let current = Result { try rootKey.load() }
            let new = try loadOrCreateNewKey()
            let outcome = try await store.withCheckedStore { store in
                var logger = Logger(label: "tessera.keyring")
                logger.logLevel = .warning
                // The audit key comes from the current key (the purpose keys do not change in a rotation).
                var audit: AuditLog?
                if let key = try? current.get(),
                    let resolved = try? await KeyringManager.resolveRootKey(key, store: store)
                {
                    audit = AuditLog(store: store, key: AuditSigningKey(rootKey: resolved))
                }
                do {
                    return try await KeyringManager.rotateRootKey(
                        store: store, from: try? current.get(), to: new, audit: audit
                    )
                } catch let error as KeyringError where error.code == .rootKeyMismatch {
                    // Neither key opens it: the reason the current key could not be used says more.
                    _ = try current.get()
                    throw error
                }
            }
            switch outcome {
            case .rotated(let versions):
                print(
                    "keyring re-wrapped under root key \(new.fingerprint): \(versions) master key versions; "
                        + "restart every server with the new root key (the old one is no longer needed)"
                )
            case .alreadyRotated:
                print("the keyring is already under root key \(new.fingerprint): nothing to do")
            }
        }

        /// The new key: an existing file, or a new random key written durably before anything depends on it.
        private func loadOrCreateNewKey() throws -> RootKey {
            if let newPKCS11Key {
                let configuration = try rootKey.pkcs11Configuration(label: newPKCS11Key)
                do {
                    return try PKCS11RootKey.open(configuration)
                } catch let error as PKCS11Error where error.code == .keyNotFound {
                    do {
                        let key = try PKCS11RootKey.generate(configuration)
                        FileHandle.standardError.write(
                            Data("tessera: generated the new root key \(key.fingerprint) in \(key.origin)\n".utf8)
                        )
                        return key
                    } catch let error as PKCS11Error {
                        throw InputError(error.description)
                    }
                } catch let error as PKCS11Error {
                    throw InputError(error.description)
                }
            }
            guard let newRootKeyFile else { throw ValidationError("give --new-root-key-file or --new-pkcs11-key") }
            let key: RootKey
            if FileManager.default.fileExists(atPath: newRootKeyFile) {
                key = try RootKeyFile(path: newRootKeyFile).loadRootKey()
            } else {
                try RootKeyFile.create(RootKey.generate(origin: "file \(newRootKeyFile)"), at: newRootKeyFile)
                key = try RootKeyFile(path: newRootKeyFile).loadRootKey()
                FileHandle.standardError.write(
                    Data("tessera: created the new root key file \(newRootKeyFile) (\(key.fingerprint))\n".utf8)
                )
            }
            guard !key.isDevelopmentKey else {
                throw InputError("the new root key \(key.fingerprint) is a development key; give a production key")
            }
            return key
        }
    }
}
