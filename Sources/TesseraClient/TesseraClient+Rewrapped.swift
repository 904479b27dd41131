extension TesseraClient {
    /// A sealed value moved to the active master key version by ``TesseraClient/rewrap(_:context:timeout:)``.
    public struct Rewrapped: Sendable, Hashable {
        /// The sealed value to store in place of the old one; it opens with the same context.
        public let sealed: [UInt8]
        /// The master key version it is wrapped under now.
        public let keyVersion: UInt32
        /// Whether it changed (false: it was already on the active version, and `sealed` is the value sent).
        public let changed: Bool

        /// Creates a result.
        ///
        /// - Parameters:
        ///   - sealed: The sealed value.
        ///   - keyVersion: Its master key version.
        ///   - changed: Whether it changed.
        public init(sealed: [UInt8], keyVersion: UInt32, changed: Bool) {
            self.sealed = sealed
            self.keyVersion = keyVersion
            self.changed = changed
        }
    }
}
