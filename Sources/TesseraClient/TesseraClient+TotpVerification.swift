extension TesseraClient {
    /// The outcome of a TOTP check. A wrong code is a normal outcome (`isValid` false), not an error.
    public struct TotpVerification: Sendable, Hashable {
        /// Whether the code matches a time step within the server's skew window.
        public let isValid: Bool
        /// The RFC 6238 time step the code matched (0 when not valid). Store it and refuse codes whose step is
        /// not greater, to stop replays.
        public let timeStep: UInt64
        /// How long until the matched step ends (zero when not valid).
        public let expiresIn: Duration

        /// Creates an outcome.
        ///
        /// - Parameters:
        ///   - isValid: Whether the code matched.
        ///   - timeStep: The matched time step.
        ///   - expiresIn: The time left in the matched step.
        public init(isValid: Bool, timeStep: UInt64, expiresIn: Duration) {
            self.isValid = isValid
            self.timeStep = timeStep
            self.expiresIn = expiresIn
        }
    }
}
