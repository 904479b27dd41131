import Foundation
import TesseraCrypto
import Testing

/// Root key sources: file permissions, the environment, development markers, derivation and master key wrapping.
@Suite("Root key")
struct RootKeyTests {
    /// Writes a key file with the given purpose and mode in a fresh directory.
    private func writeKeyFile(purpose: String, mode: Int, key: RootKey = .generate()) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rootkey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("root.key").path
        let text = "# a test root key\npurpose=\(purpose)\nkey=\(key.base64EncodedKey())\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("A production key file readable by others (0644) is refused, naming the path and the mode")
    func refusesWidePermissions() throws {
        for mode in [0o644, 0o640, 0o604, 0o660] {
            let path = try writeKeyFile(purpose: "production", mode: mode)
            do {
                _ = try RootKeyFile(path: path).load()
                Issue.record("mode \(String(mode, radix: 8)) was accepted")
            } catch let error as CryptoError {
                #expect(error.code == .invalidParameter)
                #expect(error.message.contains(path))
                #expect(error.message.contains("0" + String(mode, radix: 8)))
            }
        }
    }

    @Test("A production key file with mode 0600 (or 0400) is accepted, with no warning")
    func acceptsOwnerOnly() throws {
        let key = RootKey.generate()
        for mode in [0o600, 0o400] {
            let path = try writeKeyFile(purpose: "production", mode: mode, key: key)
            let loaded = try RootKeyFile(path: path).load()
            #expect(loaded.warning == nil)
            #expect(loaded.key.fingerprint == key.fingerprint)
            #expect(!loaded.key.isDevelopmentKey)
            try loaded.key.requireProduction()
        }
    }

    @Test("A development key with loose permissions is accepted with a warning, and refused in production mode")
    func developmentKeyLoosePermissions() throws {
        let path = try writeKeyFile(purpose: "development", mode: 0o644)
        let loaded = try RootKeyFile(path: path).load()
        #expect(loaded.key.isDevelopmentKey)
        #expect(loaded.warning?.contains("0644") == true)
        #expect(throws: CryptoError.self) { try loaded.key.requireProduction() }
    }

    @Test("The committed development key is recognised by fingerprint even when relabelled as production")
    func committedDevelopmentKey() throws {
        let committed = packageRoot.appendingPathComponent(RootKey.developmentRelativePath).path
        let key = try RootKeyFile(path: committed).loadRootKey()
        #expect(key.isDevelopmentKey)
        #expect(RootKey.committedDevelopmentFingerprints.contains(key.fingerprint))
        let relabelled = try writeKeyFile(purpose: "production", mode: 0o600, key: key)
        let reloaded = try RootKeyFile(path: relabelled).loadRootKey()
        #expect(reloaded.isDevelopmentKey)
        #expect(throws: CryptoError.self) { try reloaded.requireProduction() }
    }

    @Test("A missing file or a directory is refused with a reason naming the path")
    func missingFile() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)").path
        do {
            _ = try RootKeyFile(path: missing).load()
            Issue.record("a missing file was accepted")
        } catch let error as CryptoError {
            #expect(error.message.contains(missing))
            #expect(error.message.contains("No such file"))
        }
        #expect(throws: CryptoError.self) { try RootKeyFile(path: FileManager.default.temporaryDirectory.path).load() }
    }

    @Test("The environment variable source decodes base64 and refuses bad values")
    func environmentSource() throws {
        let key = RootKey.generate()
        let source = RootKeyEnvironment(environment: [RootKey.environmentVariable: key.base64EncodedKey()])
        #expect(source.isSet)
        let loaded = try source.loadRootKey()
        #expect(loaded.fingerprint == key.fingerprint)
        #expect(!loaded.isDevelopmentKey)
        #expect(loaded.origin == "environment TESSERA_ROOT_KEY")
        #expect(throws: CryptoError.self) { try RootKeyEnvironment(environment: [:]).loadRootKey() }
        #expect(throws: CryptoError.self) {
            try RootKeyEnvironment(environment: [RootKey.environmentVariable: "bm90IDMyIGJ5dGVz"]).loadRootKey()
        }
        #expect(throws: CryptoError.self) {
            try RootKeyEnvironment(environment: [RootKey.environmentVariable: "***"]).loadRootKey()
        }
    }

    @Test("The process environment's key is decoded in place, then its bytes are zeroed and the variable unset")
    func processEnvironmentWiped() throws {
        let variable = "TESSERA_TEST_ROOT_KEY_\(UUID().uuidString.prefix(8))"
        let key = RootKey.generate()
        let text = "  \(key.base64EncodedKey())\n"
        setenv(variable, text, 1)
        let value = try #require(getenv(variable))
        let length = strlen(value)
        let source = RootKeyEnvironment(variable: variable)
        #expect(source.isSet)
        let loaded = try source.loadRootKey()
        #expect(loaded.fingerprint == key.fingerprint)
        // The bytes the environment held are zero (setenv copied them into memory the process still owns), and
        // the variable is gone, so no child process inherits it.
        #expect(UnsafeRawBufferPointer(start: value, count: length).allSatisfy { $0 == 0 })
        #expect(getenv(variable) == nil)
        #expect(!source.isSet)
        #expect(throws: CryptoError.self) { try source.loadRootKey() }

        setenv(variable, "bm90IDMyIGJ5dGVz", 1)
        #expect(throws: CryptoError(.malformedSecret, "")) { try source.loadRootKey() }
        #expect(getenv(variable) == nil)
    }

    @Test(
        "Key text is read only as exactly 32 bytes of padded standard base64",
        arguments: [
            "", "   ", "AAAA", String(repeating: "A", count: 43), String(repeating: "A", count: 43) + "=" + "A",
            String(repeating: "A", count: 44) + "AAAA", String(repeating: "-", count: 43) + "=",
        ])
    func base64Strictness(text: String) {
        #expect(throws: CryptoError(.malformedSecret, "")) { try RootKey(base64: text, origin: "test") }
    }

    @Test("Malformed files are refused without quoting their contents")
    func malformedFile() throws {
        for text in [
            "key=abc\n", "purpose=staging\nkey=AAAA\n", "purpose=production\n", "purpose=production\nsecret\n",
        ] {
            #expect(throws: CryptoError.self) { try RootKey(parsingFile: Array(text.utf8), origin: "test") }
        }
        do {
            _ = try RootKey(parsingFile: Array("purpose=production\nhunter2hunter2\n".utf8), origin: "test")
        } catch let error as CryptoError {
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test("Purpose keys are deterministic, distinct per purpose and per root key")
    func derivation() throws {
        let key = RootKey.generate()
        let again = try RootKey(base64: key.base64EncodedKey(), origin: "copy")
        #expect(key.derivedKey(purpose: "tessera.audit.v1") == again.derivedKey(purpose: "tessera.audit.v1"))
        #expect(key.derivedKey(purpose: "tessera.audit.v1") != key.derivedKey(purpose: "tessera.keyring.wrap.v1"))
        #expect(
            key.derivedKey(purpose: "tessera.audit.v1") != RootKey.generate().derivedKey(purpose: "tessera.audit.v1"))
        #expect(key.derivedKey(purpose: "x").count == 32)
    }

    @Test("HKDF-SHA256 matches RFC 5869's definition (checked against Python's hmac)")
    func derivationKnownAnswer() throws {
        // Root key = 32 bytes 0x00..0x1f; salt "tessera.root-key.hkdf.v1"; info "tessera.audit.v1"; computed with
        // Python: prk = hmac(salt, ikm); okm = hmac(prk, info || 0x01).
        let material = SecretBytes(copying: Array(0..<32) as [UInt8])
        let key = try RootKey(material: material, origin: "test")
        let derived = key.derivedKey(purpose: "tessera.audit.v1").withUnsafeBytes { Array($0) }
        let hex = derived.map { String(format: "%02x", $0) }.joined()
        #expect(hex == hkdfAuditVector)
    }

    @Test("Master keys wrapped by the root key open only with the same root key and version number")
    func masterKeyWrapping() throws {
        let root = RootKey.generate()
        let master = try MasterKey.generate(version: 3)
        let wrapped = try root.wrapMasterKey(master)
        #expect(wrapped.count == RootKey.wrappedMasterKeyByteCount)
        let opened = try root.unwrapMasterKey(wrapped, version: 3, state: .decryptOnly)
        #expect(opened.material == master.material)
        #expect(opened.state == .decryptOnly)
        #expect(throws: CryptoError.authenticationFailure) {
            try root.unwrapMasterKey(wrapped, version: 4, state: .active)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try RootKey.generate().unwrapMasterKey(wrapped, version: 3, state: .active)
        }
        var tampered = wrapped
        tampered[20] ^= 1
        #expect(throws: CryptoError.authenticationFailure) {
            try root.unwrapMasterKey(tampered, version: 3, state: .active)
        }
        #expect(!String(describing: root).contains(root.base64EncodedKey()))
    }
}

/// HKDF-SHA256(ikm = 0x00…0x1f, salt = "tessera.root-key.hkdf.v1", info = "tessera.audit.v1", L = 32), from Python's
/// `cryptography` HKDF and a hand-written RFC 5869 extract/expand, which agree.
private let hkdfAuditVector = "765236109c6a2876aa799777c7bb81531d6e1d54ec0fa34b8425b7bac41e949e"
