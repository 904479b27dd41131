import ArgumentParser
import Foundation
import TesseraCrypto

/// Where the root key comes from: `--root-key-file`, else `$TESSERA_ROOT_KEY`, else the development key file.
struct RootKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("root-key-file"),
        help: ArgumentHelp(
            "The root key file (mode 0600). Default: $TESSERA_ROOT_KEY (base64) if set, else the DEVELOPMENT key "
                + "keys-dev/root-key.dev (for 'tessera serve' only with --development).",
            valueName: "path"
        )
    )
    var path: String?

    @Flag(
        name: .customLong("production"),
        help: "Refuse a development root key (for 'tessera serve' this is the default; --development lifts it)."
    )
    var production = false

    /// Loads the root key, printing warnings on standard error, and refuses a development key in production mode.
    func load() throws -> RootKey {
        let key: RootKey
        let environment = RootKeyEnvironment()
        if let path {
            key = try loadFile(path)
        } else if environment.isSet {
            key = try environment.loadRootKey()
        } else {
            key = try loadFile(RootKey.developmentRelativePath)
        }
        if production {
            try key.requireProduction()
        }
        if key.isDevelopmentKey {
            warn("using the DEVELOPMENT root key \(key.fingerprint) (not for production)")
        }
        return key
    }

    private func loadFile(_ path: String) throws -> RootKey {
        let loaded = try RootKeyFile(path: path).load()
        if let warning = loaded.warning { warn(warning) }
        return loaded.key
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("tessera: \(message)\n".utf8))
    }
}
