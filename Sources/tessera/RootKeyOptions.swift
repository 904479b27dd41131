import ArgumentParser
import Foundation
import Synchronization
import TesseraCrypto
import TesseraPKCS11

/// Where the root key comes from: a PKCS#11 token (`--pkcs11-key` with `--pkcs11-module`, `--pkcs11-token`, a PIN),
/// else `--root-key-file`, else `$TESSERA_ROOT_KEY`, else the development key file.
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

    @Option(
        name: .customLong("pkcs11-module"),
        help: ArgumentHelp(
            "The PKCS#11 module of the HSM holding the root key (e.g. /usr/lib/softhsm/libsofthsm2.so).",
            valueName: "path"
        )
    )
    var pkcs11Module: String?

    @Option(name: .customLong("pkcs11-token"), help: ArgumentHelp("The token's label.", valueName: "label"))
    var pkcs11Token: String?

    @Option(
        name: .customLong("pkcs11-key"),
        help: ArgumentHelp("The root key's label on the token: the root key is then the token's.", valueName: "label")
    )
    var pkcs11Key: String?

    @Option(
        name: .customLong("pkcs11-pin-file"),
        help: ArgumentHelp(
            "A file (mode 0600) holding the token's user PIN (default: $TESSERA_PKCS11_PIN).", valueName: "path")
    )
    var pkcs11PinFile: String?

    /// The environment variable a PIN is read from when no PIN file is given.
    static let pinVariable = "TESSERA_PKCS11_PIN"

    /// Whether the root key is a PKCS#11 key.
    var usesPKCS11: Bool { pkcs11Key != nil }

    /// Loads the root key, printing warnings on standard error, and refuses a development key in production mode.
    func load() throws -> RootKey {
        let key: RootKey
        let environment = RootKeyEnvironment()
        if let pkcs11Key {
            key = try loadPKCS11(label: pkcs11Key)
        } else if let path {
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

    /// The PKCS#11 configuration for the key labelled `label` on the configured module and token.
    func pkcs11Configuration(label: String) throws -> PKCS11RootKeyConfiguration {
        guard let module = pkcs11Module else { throw InputError("a PKCS#11 key needs --pkcs11-module") }
        guard let token = pkcs11Token else { throw InputError("a PKCS#11 key needs --pkcs11-token") }
        return PKCS11RootKeyConfiguration(modulePath: module, tokenLabel: token, keyLabel: label, pin: try pin())
    }

    /// Opens the key labelled `label`; failures become one line.
    func loadPKCS11(label: String) throws -> RootKey {
        do {
            return try PKCS11RootKey.open(try pkcs11Configuration(label: label))
        } catch let error as PKCS11Error {
            throw InputError(error.description)
        }
    }

    /// The PIN read from the environment, kept for the process: the variable is wiped when first read, and a
    /// rotation between two keys of one token needs the PIN twice.
    private static let environmentPIN = Mutex<SecretBytes?>(nil)

    /// The PIN: the file's first line, else the environment variable (read, then wiped and unset).
    private func pin() throws -> SecretBytes {
        if let pkcs11PinFile {
            return try ProtectedFile.read(pkcs11PinFile, describedAs: "PKCS#11 PIN file", maxBytes: 256) {
                file, bytes in
                try file.require(.secret)
                var end = bytes.startIndex
                while end < bytes.endIndex, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
                return SecretBytes(copying: bytes[bytes.startIndex..<end], locked: true)
            }
        }
        return try Self.environmentPIN.withLock { cached in
            if let cached { return cached }
            guard let value = getenv(Self.pinVariable), value.pointee != 0 else {
                throw InputError("a PKCS#11 key needs its PIN: --pkcs11-pin-file or $\(Self.pinVariable)")
            }
            let length = strlen(value)
            defer {
                memset(value, 0, length)
                unsetenv(Self.pinVariable)
            }
            let pin = SecretBytes(copying: UnsafeRawBufferPointer(start: value, count: length), locked: true)
            cached = pin
            return pin
        }
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
