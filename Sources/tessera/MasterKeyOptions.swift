import ArgumentParser
import Foundation
import TesseraCrypto

/// Where the offline CLI commands (`tessera secret`, `demo`) find a master key: a key file, by default the
/// development one. `tessera serve` does not use it: its keys come from the persistent keyring in the database.
struct MasterKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("master-key-file"),
        help: ArgumentHelp(
            "The master key file (default: $TESSERA_MASTER_KEY_FILE, else keys-dev/master-key.dev).",
            valueName: "path"
        )
    )
    var path: String?

    /// Loads the keyring from the chosen file and warns on standard error when it is the development key.
    func load() throws -> DevelopmentKeyring {
        let chosen =
            path ?? ProcessInfo.processInfo.environment["TESSERA_MASTER_KEY_FILE"]
            ?? DevelopmentKeyring.defaultRelativePath
        let loaded = try DevelopmentKeyring.load(from: URL(fileURLWithPath: chosen))
        if loaded.isDevelopmentKey {
            FileHandle.standardError.write(
                Data("tessera: using the DEVELOPMENT master key \(loaded.fingerprint) (not for production)\n".utf8)
            )
        }
        return loaded
    }
}

/// `--context key=value` pairs bound to a sealed secret as associated data.
struct ContextOptions: ParsableArguments {
    @Option(
        name: .customLong("context"),
        help: ArgumentHelp(
            "A key=value pair bound to the secret (repeatable); opening needs exactly the same pairs.",
            valueName: "key=value"
        )
    )
    var pairs: [String] = []

    func context() throws -> EncryptionContext {
        var entries: [(String, String)] = []
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw ValidationError("--context takes key=value, got a value without '='")
            }
            entries.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
        }
        return try EncryptionContext(entries: entries)
    }
}
