internal import CTesseraSodium

/// The synchronous heart of ``PasswordHasher``: validation on the caller's side, Argon2 work as a job.
///
/// Everything cheap and input-dependent (normalisation, length limits, PHC parsing, bounds, pepper lookup) is
/// done in `prepare…`, before a job is admitted to the thread pool, so malformed input never takes a worker.
/// The returned jobs are `Sendable` values that own their secret bytes and run on any thread.
struct PasswordHashingCore: Sendable {
    let policy: PasswordPolicy
    let pepper: Pepper?
    let retiredPeppers: [Pepper]
    let rehashRule: RehashRule

    /// A ready-to-run hash of one password.
    struct HashJob: Sendable {
        let policy: PasswordPolicy
        let keyID: String?
        let input: SecretBytes
        let salt: [UInt8]

        func run() throws -> String {
            let tag = try input.withUnsafeBytes { password in
                try Argon2.computeFastest(
                    variant: policy.algorithm, version: .v13, memoryKiB: policy.memoryKiB,
                    iterations: policy.iterations, parallelism: policy.parallelism, password: password, salt: salt,
                    hashLength: policy.hashLength
                )
            }
            return try PHCString(
                algorithm: policy.algorithm, version: .v13, memoryKiB: policy.memoryKiB,
                iterations: policy.iterations, parallelism: policy.parallelism, keyID: keyID, salt: salt, hash: tag
            ).encoded
        }
    }

    /// A ready-to-run check of one password against one parsed hash.
    struct VerifyJob: Sendable {
        let phc: PHCString
        let input: SecretBytes
        let needsRehash: Bool

        func run() throws -> PasswordVerification {
            var tag = try input.withUnsafeBytes { password in
                try Argon2.computeFastest(
                    variant: phc.algorithm, version: phc.version, memoryKiB: phc.memoryKiB,
                    iterations: phc.iterations, parallelism: phc.parallelism, password: password, salt: phc.salt,
                    hashLength: phc.hash.count
                )
            }
            let matches = ConstantTime.equals(tag, phc.hash)
            tag.withUnsafeMutableBytes { tessera_memzero($0.baseAddress, $0.count) }
            return PasswordVerification(isValid: matches, needsRehash: needsRehash)
        }
    }

    func prepareHash(_ password: String) throws -> HashJob {
        let normalized = try PasswordNormalizer.normalize(password, maxBytes: policy.maxPasswordBytes)
        let input = pepper.map { $0.apply(to: normalized) } ?? normalized
        return HashJob(
            policy: policy, keyID: pepper?.id, input: input, salt: SecureRandom.bytes(count: policy.saltLength)
        )
    }

    func prepareVerify(_ password: String, against stored: String) throws -> VerifyJob {
        let phc = try PHCString(parsing: stored, bounds: policy.bounds)
        let hashPepper: Pepper?
        if let keyID = phc.keyID {
            guard let found = ([pepper].compactMap { $0 } + retiredPeppers).first(where: { $0.id == keyID }) else {
                throw CryptoError(.pepperMismatch, "hash was made with a pepper this hasher does not hold")
            }
            hashPepper = found
        } else {
            hashPepper = nil
        }
        let normalized = try PasswordNormalizer.normalize(password, maxBytes: policy.maxPasswordBytes)
        let input = hashPepper.map { $0.apply(to: normalized) } ?? normalized
        return VerifyJob(phc: phc, input: input, needsRehash: needsRehash(phc))
    }

    /// Whether a hash should be replaced under the current policy and pepper, by the configured rule.
    func needsRehash(_ phc: PHCString) -> Bool {
        rehashRule.needsRehash(phc, policy: policy, pepperID: pepper?.id)
    }
}
