import Foundation
import TesseraCrypto
import TesseraPKCS11
import TesseraTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PKCS11RootKeyTests {
    @Test(
        "tessera serve takes the PKCS#11 root key from the settings file or the environment, the PIN from a file",
        arguments: ["file", "environment"])
    func serveWithSettings(source: String) async throws {
        let executable = packageRoot.appendingPathComponent(".build/debug/tessera").path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the tessera executable first")
        let conf = try SoftHSM.configuration.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pkcs11-serve-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let label = SoftHSM.label()
        let fingerprint = try PKCS11RootKey.generate(try SoftHSM.key(label)).fingerprint
        let pinFile = directory.appendingPathComponent("pin").path
        _ = FileManager.default.createFile(
            atPath: pinFile, contents: Data("\(SoftHSM.pin)\n".utf8), attributes: [.posixPermissions: 0o600])
        let sqlite = directory.appendingPathComponent("t.sqlite").path
        let callers = directory.appendingPathComponent("callers.json").path
        #expect(try await runTessera(executable, ["migrate", "--sqlite-path", sqlite], environment: [:]).status == 0)
        let added = try await runTessera(
            executable, ["callers", "add", "probe", "--allow", "tessera.v1.Health/*", "--file", callers],
            environment: [:]
        )
        #expect(added.status == 0, "\(added.standardError)")

        let metricsPort = try FreePort.find()
        let rootKeySettings: [String: String] = [
            "pkcs11_module": SoftHSM.modulePath, "pkcs11_token": SoftHSM.tokenLabel, "pkcs11_key": label,
            "pkcs11_pin_file": pinFile,
        ]
        var settings: [String: Any] = [
            "allow_plaintext": true, "port": 0, "metrics_port": metricsPort, "sqlite_path": sqlite,
            "callers_file": callers, "argon2_workers": 1,
        ]
        var environment = ["SOFTHSM2_CONF": conf]
        if source == "file" {
            settings.merge(rootKeySettings) { $1 }
        } else {
            for (key, value) in rootKeySettings { environment["TESSERA_" + key.uppercased()] = value }
        }
        let config = directory.appendingPathComponent("tessera.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: config)

        let log = directory.appendingPathComponent("serve.log")
        let clean = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("TESSERA_") && $0.key != "DATABASE_URL"
        }
        let process = try ChildProcess.start(
            executable, ["serve", "--config", config.path], environment: clean.merging(environment) { $1 },
            inheriting: false, directory: packageRoot.path, logFile: log.path
        )
        defer { if !process.hasExited { process.signal(SIGKILL) } }
        var ready = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && !process.hasExited {
            let curl = try await ChildProcess.run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(metricsPort)/readyz"]
            )
            if curl.standardOutput == "200" {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(ready, "serve did not become ready: \(text)")
        #expect(text.contains(fingerprint), "the server runs with the token's key: \(text)")
        #expect(!text.contains(SoftHSM.pin))
        process.signal(SIGTERM)
        #expect(try await process.exitStatus() == 0, "\(text)")
    }
}
