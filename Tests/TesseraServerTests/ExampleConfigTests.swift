import Foundation
import Testing

@testable import TesseraSettings

/// `ops/tessera.example.json`, the file a production operator starts from, and `docs/server.md`'s settings table
/// keep up with ``ServerSettings``: every key is in both, and the example passes the real loader and validation.
@Suite("The example settings file and the settings table")
struct ExampleConfigTests {
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let examplePath = packageRoot.appendingPathComponent("ops/tessera.example.json").path

    /// The rows of docs/server.md's settings table: JSON key → the row's cells.
    private static func documentedRows() throws -> [String: [String]] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/server.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = "| JSON key | flag | environment | default | allowed | meaning |"
        let start = try #require(lines.firstIndex(of: header), "docs/server.md has no settings table")
        var rows: [String: [String]] = [:]
        for line in lines[(start + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let key = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(rows[key] == nil, "\(key) is in the table twice")
            rows[key] = cells
        }
        return rows
    }

    @Test("the example loads through the real loader and passes every check of a production start")
    func exampleLoads() throws {
        let settings = try ServerSettings.load(from: Self.examplePath)
        try settings.validate()
        #expect(try settings.isProductionMode(), "the example is a production configuration")
        try settings.requireTransportSecurity()
        let configuration = try settings.serverConfiguration()
        #expect(configuration.tls != nil)
        _ = try settings.keyringPollInterval()
        _ = try settings.keyringReferencesInterval()
        _ = try settings.sweeper()
        #expect(try settings.metricsEndpoint() != nil)
        #expect(settings.databaseURL == nil && settings.databaseURLFile != nil, "the password is in a file")
        #expect(settings.rootKeyFile != nil || settings.pkcs11Key != nil, "production needs a root key")
    }

    @Test("every settings key is in the example file, and the file has no other")
    func exampleHasEveryKey() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.examplePath))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let missing = ServerSettings.allKeys.filter { object[$0] == nil }
        #expect(missing.isEmpty, "missing from ops/tessera.example.json: \(missing)")
        #expect(Set(object.keys) == Set(ServerSettings.allKeys))
    }

    @Test("every settings key is documented in docs/server.md, with its environment variable and range")
    func everyKeyDocumented() throws {
        let rows = try Self.documentedRows()
        let missing = ServerSettings.allKeys.filter { rows[$0] == nil }
        #expect(missing.isEmpty, "missing from docs/server.md's settings table: \(missing)")
        let stale = Set(rows.keys).subtracting(ServerSettings.allKeys)
        #expect(stale.isEmpty, "documented but not settings: \(stale.sorted())")
        for key in ServerSettings.allKeys {
            guard let cells = rows[key] else { continue }
            #expect(cells.count == 6, "\(key): \(cells)")
            #expect(cells[2].contains("`TESSERA_\(key.uppercased())`"), "\(key): \(cells[2])")
            #expect(!cells[3].isEmpty && !cells[4].isEmpty && !cells[5].isEmpty, "\(key) lacks a default or meaning")
        }
        for range in ServerSettings.numericRanges {
            let allowed = rows[range.key]?[4] ?? ""
            #expect(allowed.contains(range.allowedText), "\(range.key): documented \(allowed), is \(range.allowedText)")
        }
    }

    @Test("every documented flag is an option of the settings (the flag column names the same key)")
    func flagsNameTheirKey() throws {
        // The numeric ranges carry their flag: the table must give the same one.
        let rows = try Self.documentedRows()
        for range in ServerSettings.numericRanges where range.flag.hasPrefix("--") {
            #expect(rows[range.key]?[1].contains("`\(range.flag)`") == true, "\(range.key): \(range.flag)")
        }
    }

    @Test("a higher layer replaces each key of a lower one (no key forgotten by overlaid(by:))")
    func overlayCoversEveryKey() throws {
        for key in ServerSettings.allKeys {
            // The first JSON value the key's type accepts.
            let single = try #require(
                [#""x""#, "2", "true"].lazy.compactMap { value in
                    try? JSONDecoder().decode(ServerSettings.self, from: Data(#"{"\#(key)": \#(value)}"#.utf8))
                }.first,
                "\(key) takes none of a string, a number, a boolean"
            )
            #expect(single != ServerSettings(), "\(key) decodes to nothing")
            #expect(ServerSettings().overlaid(by: single) == single, "\(key) is not taken from the higher layer")
            #expect(single.overlaid(by: ServerSettings()) == single, "\(key) is lost under an empty layer")
        }
    }

    /// A settings file with `text`, and the loader's error for it.
    private static func loadError(_ text: String) throws -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ServerSettings.load(from: path).serverConfiguration()
            return nil
        } catch let error as ServerSettingsError {
            return error.message
        }
    }

    @Test(
        "bad settings files and contradictory root key settings are refused with one line naming the key",
        arguments: [
            (#"{"database_url": "postgres://tessera:hunter2@db/tessera"}"#, "database_url"),
            (#"{"port": "7450"}"#, "port"),
            (#"{"wrap_warning": 1.5}"#, "wrap_warning"),
            (#"{"wrap_warning": 0}"#, "wrap_warning (--wrap-warning) must be from 1 to 4294967296, not 0"),
            (#"{"rotate_after_wraps": 4294967297}"#, "rotate_after_wraps"),
            (#"{"rotate_after_days": 0.01}"#, "rotate_after_days (--rotate-after-days) must be from 0.0416667 to"),
            (#"{"keyring_references_seconds": 0}"#, "keyring_references_seconds"),
            (#"{"pkcs11_key": "tessera-root"}"#, "pkcs11_key (--pkcs11-key) needs pkcs11_module"),
            (#"{"pkcs11_key": "k", "pkcs11_module": "/m.so"}"#, "needs pkcs11_token"),
            (
                #"{"pkcs11_key": "k", "pkcs11_module": "/m.so", "pkcs11_token": "t", "root_key_file": "/k"}"#,
                "give root_key_file or pkcs11_key, not both"
            ),
            (#"{"auth_config_file": ""}"#, "auth_config_file (--auth-config) must not be empty"),
            (#"{"port": 7450,"#, "is not valid JSON"),
            ("[1, 2]", "must hold one JSON object"),
        ])
    func refused(text: String, expected: String) throws {
        let message = try #require(try Self.loadError(text), "\(text) was accepted")
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
        #expect(!message.contains("hunter2"), "an error never repeats a password")
    }

    @Test("the new settings come from the environment and layer like the others")
    func environmentKeys() throws {
        let environment = try ServerSettings.fromEnvironment([
            "TESSERA_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "TESSERA_PKCS11_TOKEN": "tessera",
            "TESSERA_PKCS11_KEY": "root", "TESSERA_PKCS11_PIN_FILE": "/etc/tessera/pin",
            "TESSERA_WRAP_WARNING": "1000", "TESSERA_ROTATE_AFTER_DAYS": "90",
            "TESSERA_KEYRING_REFERENCES_SECONDS": "60", "TESSERA_AUTH_CONFIG_FILE": "/etc/tessera/auth.json",
        ])
        #expect(environment.pkcs11Key == "root" && environment.pkcs11PinFile == "/etc/tessera/pin")
        #expect(environment.wrapWarning == 1000 && environment.rotateAfterDays == 90)
        #expect(try environment.keyringReferencesInterval() == .seconds(60))
        #expect(environment.authConfigFile == "/etc/tessera/auth.json")
        // The example file's root key file is replaced by the environment's PKCS#11 key.
        let layered = try ServerSettings.load(from: Self.examplePath).overlaid(by: environment)
        #expect(layered.rootKeyFile == nil && layered.pkcs11Key == "root")
        try layered.validate()
        #expect(throws: ServerSettingsError.self) {
            try ServerSettings.fromEnvironment(["TESSERA_ROTATE_AFTER_WRAPS": "many"])
        }
    }
}
