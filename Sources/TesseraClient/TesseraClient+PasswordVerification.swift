extension TesseraClient {
    /// The outcome of ``TesseraClient/verifyPassword(_:against:timeout:)``.
    ///
    /// A wrong password is a normal outcome (`isValid` false), not an error.
    public struct PasswordVerification: Sendable, Hashable {
        /// Whether the password matches the hash.
        public let isValid: Bool
        /// Whether the hash is weaker than the server's current policy; reported whether or not it matched.
        public let needsRehash: Bool
        /// A fresh hash under the current policy, set only when the password is valid and the hash needed one:
        /// store it in place of the old one.
        public let newHash: String?

        /// Creates an outcome.
        ///
        /// - Parameters:
        ///   - isValid: Whether the password matched.
        ///   - needsRehash: Whether the hash should be replaced.
        ///   - newHash: The replacement hash, if any.
        public init(isValid: Bool, needsRehash: Bool, newHash: String?) {
            self.isValid = isValid
            self.needsRehash = needsRehash
            self.newHash = newHash
        }
    }
}
