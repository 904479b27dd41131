import Foundation
import TesseraCrypto
import TesseraPKCS11
import TesseraTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway SoftHSM2 token for the tests: one configuration and token directory per test process, set up before
/// the module is first loaded (SoftHSM2 reads `SOFTHSM2_CONF` when it initialises).
enum SoftHSM {
    /// Debian's module.
    static let modulePath = "/usr/lib/softhsm/libsofthsm2.so"
    /// Debian's token tool.
    static let utilPath = "/usr/bin/softhsm2-util"
    /// The token's label and PINs (test values).
    static let tokenLabel = "tessera-test"
    static let pin = "4711-test-pin"
    static let soPin = "0815-test-so"

    /// Whether SoftHSM2 is installed (the tests skip otherwise; CI installs it).
    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: utilPath) && FileManager.default.fileExists(atPath: modulePath)
    }

    /// The configuration file, created with its token on first use.
    static let configuration: Result<String, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("softhsm-\(UUID().uuidString)")
        let tokens = directory.appendingPathComponent("tokens")
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        let conf = directory.appendingPathComponent("softhsm2.conf").path
        try "directories.tokendir = \(tokens.path)\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        setenv("SOFTHSM2_CONF", conf, 1)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: utilPath)
        process.arguments = ["--init-token", "--free", "--label", tokenLabel, "--pin", pin, "--so-pin", soPin]
        process.environment = ["SOFTHSM2_CONF": conf]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSupportError("softhsm2-util --init-token failed") }
        return conf
    }

    /// The configuration of a key labelled `label` on the test token.
    static func key(_ label: String, pin: String = SoftHSM.pin) throws -> PKCS11RootKeyConfiguration {
        _ = try configuration.get()
        return PKCS11RootKeyConfiguration(
            modulePath: modulePath, tokenLabel: tokenLabel, keyLabel: label, pin: SecretBytes(copying: Array(pin.utf8))
        )
    }

    /// A fresh key label.
    static func label() -> String { "root-\(UUID().uuidString.prefix(8).lowercased())" }
}
