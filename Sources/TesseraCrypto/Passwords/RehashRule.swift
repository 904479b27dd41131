/// When a verified hash should be replaced by a fresh one under the current policy.
///
/// The default, ``whenWeaker``, never trades a stronger stored hash for the policy's: an imported hash at
/// m = 64 MiB, t = 3, p = 4 verified under the OWASP default policy (19 MiB, t = 2, p = 1) keeps its strength.
/// ``unlessExact`` rewrites every hash that differs from the policy in any way, stronger ones included: for an
/// operator who wants one uniform cost across all stored hashes (for example after lowering it on purpose).
public struct RehashRule: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case whenWeaker
        case unlessExact
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// Rehash when the stored hash is weaker than the policy in any parameter: Argon2i where the policy is
    /// Argon2id, version 1.0, less memory, fewer passes or lanes, a shorter salt or hash; or when it was made
    /// without the current pepper. A hash weaker in one parameter and stronger in another is rehashed (to the
    /// policy, whose every parameter then holds).
    public static let whenWeaker = RehashRule(.whenWeaker)

    /// Rehash whenever the stored hash's parameters or pepper differ from the policy's, stronger ones included.
    public static let unlessExact = RehashRule(.unlessExact)

    /// `when-weaker` or `unless-exact`.
    public var description: String {
        switch kind {
        case .whenWeaker: "when-weaker"
        case .unlessExact: "unless-exact"
        }
    }

    /// Whether `phc` should be replaced under `policy` and the current pepper's id.
    func needsRehash(_ phc: PHCString, policy: PasswordPolicy, pepperID: String?) -> Bool {
        if phc.keyID != pepperID { return true }
        switch kind {
        case .unlessExact:
            return phc.algorithm != policy.algorithm || phc.version != .v13 || phc.memoryKiB != policy.memoryKiB
                || phc.iterations != policy.iterations || phc.parallelism != policy.parallelism
                || phc.salt.count != policy.saltLength || phc.hash.count != policy.hashLength
        case .whenWeaker:
            let weakerAlgorithm = phc.algorithm == .argon2i && policy.algorithm == .argon2id
            return weakerAlgorithm || phc.version != .v13 || phc.memoryKiB < policy.memoryKiB
                || phc.iterations < policy.iterations || phc.parallelism < policy.parallelism
                || phc.salt.count < policy.saltLength || phc.hash.count < policy.hashLength
        }
    }
}
