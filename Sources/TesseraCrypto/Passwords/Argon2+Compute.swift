internal import CTesseraSodium
import Foundation

extension Argon2 {
    /// Computes a raw Argon2 tag with the named engine, synchronously, on the calling thread.
    ///
    /// This is the bare C call with no policy, no bounds beyond the C libraries' own, no normalisation and no
    /// thread pool: it exists for known-answer tests (RFC 9106 §5) and for benchmarks that compare
    /// ``PasswordHasher``'s asynchronous API with the C function. Parameters are trusted: a huge `memoryKiB`
    /// allocates that much memory. Applications use ``PasswordHasher``.
    ///
    /// - Parameters:
    ///   - engine: The C implementation to call; it must support the parameters (see `Argon2.engine(_:supports:…)`).
    ///   - variant: Argon2id or Argon2i.
    ///   - version: The Argon2 version.
    ///   - memoryKiB: Memory cost in KiB (at least 8 × `parallelism`).
    ///   - iterations: Time cost (at least 1).
    ///   - parallelism: Lanes (at least 1), computed one after another on the calling thread.
    ///   - password: The password bytes (P), used as given.
    ///   - salt: The salt (S), at least 8 bytes.
    ///   - secret: The secret value (K); libargon2 only.
    ///   - associatedData: The associated data (X); libargon2 only.
    ///   - hashLength: The tag length in bytes (T).
    /// - Returns: The tag.
    /// - Throws: ``CryptoError/Code/invalidParameter`` when the engine does not accept the parameters,
    ///   ``CryptoError/Code/internalFailure`` when the library fails (for example memory allocation).
    package static func computeRaw(
        engine: Engine,
        variant: Variant = .argon2id,
        version: Version = .v13,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        password: some ContiguousBytes,
        salt: [UInt8],
        secret: [UInt8] = [],
        associatedData: [UInt8] = [],
        hashLength: Int
    ) throws -> [UInt8] {
        try password.withUnsafeBytes { passwordBuffer in
            try secret.withUnsafeBytes { secretBuffer in
                try associatedData.withUnsafeBytes { adBuffer in
                    try compute(
                        engine: engine, variant: variant, version: version, memoryKiB: memoryKiB,
                        iterations: iterations, parallelism: parallelism, password: passwordBuffer, salt: salt,
                        secret: secretBuffer, associatedData: adBuffer, hashLength: hashLength
                    )
                }
            }
        }
    }

    /// Computes a tag with `preferredEngine` when it supports the parameters and libargon2 otherwise.
    static func computeFastest(
        variant: Variant,
        version: Version,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        password: UnsafeRawBufferPointer,
        salt: [UInt8],
        hashLength: Int
    ) throws -> [UInt8] {
        let engine: Engine =
            Argon2.engine(
                preferredEngine, supports: variant, version: version, memoryKiB: memoryKiB,
                iterations: iterations, parallelism: parallelism, saltLength: salt.count, hashLength: hashLength
            ) ? preferredEngine : .libargon2
        return try compute(
            engine: engine, variant: variant, version: version, memoryKiB: memoryKiB, iterations: iterations,
            parallelism: parallelism, password: password, salt: salt,
            secret: UnsafeRawBufferPointer(start: nil, count: 0),
            associatedData: UnsafeRawBufferPointer(start: nil, count: 0), hashLength: hashLength
        )
    }

    /// The one function both engines sit behind; every integer is range-checked before it reaches C.
    static func compute(
        engine: Engine,
        variant: Variant,
        version: Version,
        memoryKiB: Int,
        iterations: Int,
        parallelism: Int,
        password: UnsafeRawBufferPointer,
        salt: [UInt8],
        secret: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer,
        hashLength: Int
    ) throws -> [UInt8] {
        guard let m = UInt32(exactly: memoryKiB), let t = UInt32(exactly: iterations),
            let p = UInt32(exactly: parallelism), let outLength = UInt32(exactly: hashLength),
            UInt32(exactly: password.count) != nil, UInt32(exactly: salt.count) != nil,
            UInt32(exactly: secret.count) != nil, UInt32(exactly: associatedData.count) != nil,
            m > 0, t > 0, p > 0, outLength > 0
        else {
            throw CryptoError(.invalidParameter, "Argon2 parameter out of range")
        }
        guard
            Argon2.engine(
                engine, supports: variant, version: version, memoryKiB: memoryKiB, iterations: iterations,
                parallelism: parallelism, saltLength: salt.count, hashLength: hashLength,
                hasSecretOrAssociatedData: secret.count > 0 || associatedData.count > 0
            )
        else {
            throw CryptoError(.invalidParameter, "the \(engine) engine does not support these Argon2 parameters")
        }
        var out = [UInt8](repeating: 0, count: hashLength)
        switch engine {
        case .libsodium:
            Sodium.ensureInitialised()
            let algorithm = variant == .argon2id ? tessera_pwhash_alg_argon2id13() : tessera_pwhash_alg_argon2i13()
            let (memoryBytes, overflow) = Int(m).multipliedReportingOverflow(by: 1024)
            guard !overflow else { throw CryptoError(.invalidParameter, "Argon2 memory cost too large") }
            let status = out.withUnsafeMutableBytes { outBuffer in
                salt.withUnsafeBytes { saltBuffer in
                    tessera_sodium_pwhash(
                        outBuffer.baseAddress, outBuffer.count, password.baseAddress, password.count,
                        saltBuffer.baseAddress, UInt64(t), memoryBytes, algorithm
                    )
                }
            }
            guard status == 0 else {
                throw CryptoError(.internalFailure, "libsodium crypto_pwhash failed (out of memory?)")
            }
        case .libargon2:
            let status = out.withUnsafeMutableBytes { outBuffer in
                salt.withUnsafeBytes { saltBuffer in
                    tessera_argon2_hash(
                        variant.libargon2Type, version.rawValue, t, m, p,
                        password.baseAddress, password.count, saltBuffer.baseAddress, saltBuffer.count,
                        secret.baseAddress, secret.count, associatedData.baseAddress, associatedData.count,
                        outBuffer.baseAddress, outBuffer.count
                    )
                }
            }
            guard status == 0 else {
                let reason = String(cString: tessera_argon2_error_message(status))
                // ARGON2_MEMORY_ALLOCATION_ERROR (-22) and ARGON2_THREAD_FAIL (-33) are the machine's fault.
                let code: CryptoError.Code = status == -22 || status == -33 ? .internalFailure : .invalidParameter
                throw CryptoError(code, "libargon2: \(reason)")
            }
        }
        return out
    }
}
