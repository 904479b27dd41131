internal import CTesseraPKCS11
import Synchronization
import TesseraCrypto

/// A loaded PKCS#11 module: loaded and initialised once per process and path, and never finalised, because
/// `C_Finalize` would end every other session of the process on the same module (a rotation opens two keys).
final class PKCS11Module: @unchecked Sendable {
    // @unchecked Sendable: the two pointers are written once in init and only read afterwards; PKCS#11 modules
    // initialised with CKF_OS_LOCKING_OK may be called from any thread.
    let list: UnsafeMutableRawPointer

    private init(list: UnsafeMutableRawPointer) {
        self.list = list
    }

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// The module at `path`, loaded on first use.
    static func load(_ path: String) throws -> PKCS11Module {
        try loaded.withLock { modules in
            if let module = modules[path] { return module }
            var handle: UnsafeMutableRawPointer?
            var list: UnsafeMutableRawPointer?
            let rv = tessera_p11_load(path, &handle, &list)
            guard rv == 0, let list else {
                let why = rv == TESSERA_P11_LOAD_FAILED ? "not found or not a PKCS#11 module" : PKCS11Error.name(of: rv)
                throw PKCS11Error(.moduleNotLoaded, "cannot load the PKCS#11 module \(path): \(why)")
            }
            let module = PKCS11Module(list: list)
            modules[path] = module
            return module
        }
    }
}

/// A logged-in session on the token and the root key's handle: the ``RootKeyDevice`` Tessera's root key uses.
///
/// A PKCS#11 session runs one operation at a time, so every call takes the lock.
final class PKCS11Session: RootKeyDevice, @unchecked Sendable {
    // @unchecked Sendable: the handles are immutable after init, and every use of the session goes through `lock`.
    private let module: PKCS11Module
    private let session: UInt
    private let key: UInt
    private let lock = Mutex<Void>(())
    private let origin: String

    /// Opens a session on the configured token, logs in, and finds (or, with `generate`, creates) the key.
    init(_ configuration: PKCS11RootKeyConfiguration, generate: Bool) throws {
        let module = try PKCS11Module.load(configuration.modulePath)
        let origin = configuration.origin
        var slot: UInt = 0
        let found = tessera_p11_find_token(module.list, configuration.tokenLabel, &slot)
        guard found == 0 else {
            if found == TESSERA_P11_NO_TOKEN {
                throw PKCS11Error(
                    .tokenNotFound,
                    "no token labelled \(configuration.tokenLabel) in the PKCS#11 module \(configuration.modulePath)"
                )
            }
            throw PKCS11Error(.deviceFailure, "listing the tokens failed (\(PKCS11Error.name(of: found)))")
        }
        guard !configuration.pin.isEmpty else {
            throw PKCS11Error(.pinMissing, "no PIN for the token \(configuration.tokenLabel)")
        }
        var session: UInt = 0
        let opened = configuration.pin.withUnsafeBytes { pin in
            tessera_p11_open_session(module.list, slot, pin.baseAddress, pin.count, &session)
        }
        guard opened == 0 else {
            // CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE, CKR_PIN_EXPIRED, CKR_PIN_LOCKED
            if [0xA0, 0xA1, 0xA2, 0xA3, 0xA4].contains(opened) {
                throw PKCS11Error(
                    .wrongPIN,
                    "the token \(configuration.tokenLabel) refused the PIN (\(PKCS11Error.name(of: opened)))"
                )
            }
            throw PKCS11Error(
                .deviceFailure,
                "opening a session on the token \(configuration.tokenLabel) failed (\(PKCS11Error.name(of: opened)))"
            )
        }
        var key: UInt = 0
        var count: UInt = 0
        var rv = tessera_p11_find_key(module.list, session, configuration.keyLabel, &key, &count)
        if rv == 0 && generate {
            if count > 0 {
                tessera_p11_close_session(module.list, session)
                throw PKCS11Error(
                    .keyExists,
                    "the token \(configuration.tokenLabel) already has a key labelled "
                        + "\(configuration.keyLabel): choose another label")
            }
            rv = tessera_p11_generate_key(module.list, session, configuration.keyLabel, &key)
            count = 1
        }
        guard rv == 0 else {
            tessera_p11_close_session(module.list, session)
            throw PKCS11Error(
                .deviceFailure, "finding the key \(configuration.keyLabel) failed (\(PKCS11Error.name(of: rv)))")
        }
        guard count == 1 else {
            tessera_p11_close_session(module.list, session)
            if count == 0 {
                throw PKCS11Error(
                    .keyNotFound,
                    "no secret key labelled \(configuration.keyLabel) on the token \(configuration.tokenLabel)"
                )
            }
            throw PKCS11Error(.keyAmbiguous, "several secret keys are labelled \(configuration.keyLabel)")
        }
        var sensitive: UInt8 = 0
        var extractable: UInt8 = 1
        var neverExtractable: UInt8 = 0
        rv = tessera_p11_key_flags(module.list, session, key, &sensitive, &extractable, &neverExtractable)
        guard rv == 0, sensitive == 1, extractable == 0 else {
            tessera_p11_close_session(module.list, session)
            throw PKCS11Error(
                .keyExtractable,
                "the key \(configuration.keyLabel) could leave the token (it must have CKA_SENSITIVE true and "
                    + "CKA_EXTRACTABLE false): refused as a root key"
            )
        }
        self.module = module
        self.session = session
        self.key = key
        self.origin = origin
    }

    deinit {
        tessera_p11_close_session(module.list, session)
    }

    /// Whether the token refuses to hand out the key's value (it must: the key is sensitive).
    var refusesToRevealKey: Bool {
        lock.withLock { _ in tessera_p11_try_read_value(module.list, session, key) != 0 }
    }

    func sealAESGCM(_ plaintext: SecretBytes, nonce: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length = UInt(output.count)
        let rv = lock.withLock { _ in
            plaintext.withUnsafeBytes { input in
                tessera_p11_gcm(
                    module.list, session, key, 1, nonce, aad, aad.count, input.baseAddress, input.count, &output,
                    &length
                )
            }
        }
        guard rv == 0, Int(length) == output.count else {
            throw CryptoError(.internalFailure, "AES-GCM in the token failed (\(PKCS11Error.name(of: rv)), \(origin))")
        }
        return output
    }

    func openAESGCM(_ sealed: [UInt8], nonce: [UInt8], aad: [UInt8]) throws -> SecretBytes {
        guard sealed.count >= 16 else { throw CryptoError.authenticationFailure }
        var length = UInt(sealed.count)
        var rv: UInt = 0
        let opened = SecretBytes(count: sealed.count, locked: true) { output in
            rv = lock.withLock { _ in
                tessera_p11_gcm(
                    module.list, session, key, 0, nonce, aad, aad.count, sealed, sealed.count, output.baseAddress,
                    &length
                )
            }
        }
        // CKR_ENCRYPTED_DATA_INVALID (and anything else) is the one opaque failure to open.
        guard rv == 0, Int(length) == sealed.count - 16 else { throw CryptoError.authenticationFailure }
        return opened.withUnsafeBytes { bytes in
            SecretBytes(count: Int(length), locked: true) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<Int(length)]))
            }
        }
    }

    /// NIST SP 800-108 KDF in counter mode with AES-CMAC as the PRF, computed in the token:
    /// `K(i) = CMAC(key, u32be(i) ‖ label ‖ 0x00 ‖ u32be(256))`, output `K(1) ‖ K(2)`.
    func derive(label: [UInt8]) throws -> SecretBytes {
        var rv: UInt = 0
        let derived = SecretBytes(count: 32, locked: true) { output in
            for block in 1...2 {
                let input: [UInt8] = [0, 0, 0, UInt8(block)] + label + [0, 0, 0, 1, 0]
                let status = lock.withLock { _ in
                    tessera_p11_cmac(
                        module.list, session, key, input, input.count, output.baseAddress.map { $0 + (block - 1) * 16 })
                }
                if status != 0 { rv = status }
            }
        }
        guard rv == 0 else {
            throw CryptoError(.internalFailure, "AES-CMAC in the token failed (\(PKCS11Error.name(of: rv)), \(origin))")
        }
        return derived
    }
}
