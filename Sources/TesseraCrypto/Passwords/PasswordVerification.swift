/// The outcome of checking a password against a stored hash.
///
/// A wrong password is an expected outcome, so it is a value (``isValid`` is `false`), not a thrown error.
public struct PasswordVerification: Sendable, Hashable {
    /// Whether the password matches the hash.
    public let isValid: Bool
    /// Whether the hash differs from the current policy (algorithm, version, costs, salt or hash length, pepper)
    /// and should be replaced by a fresh hash of the password, which the caller has in hand only now.
    ///
    /// Meaningful when ``isValid`` is `true`; never act on it after a failed verification.
    public let needsRehash: Bool

    /// Creates an outcome.
    ///
    /// - Parameters:
    ///   - isValid: Whether the password matched.
    ///   - needsRehash: Whether the hash should be upgraded to the current policy.
    public init(isValid: Bool, needsRehash: Bool) {
        self.isValid = isValid
        self.needsRehash = needsRehash
    }
}
