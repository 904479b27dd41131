/// Everything a root key rotation writes, applied by ``RootKeyStore/replaceRootKey(_:)`` in one transaction.
public struct RootKeyRewrap: Sendable, Hashable {
    /// One master key version's new wrapping.
    public struct Version: Sendable, Hashable {
        /// The version number.
        public var version: Int
        /// The wrapped key read before the rotation (compared, so a change meanwhile is never overwritten).
        public var expected: [UInt8]
        /// The same master key wrapped under the new root key.
        public var replacement: [UInt8]

        /// Creates the change of one version.
        /// - Parameters:
        ///   - version: The version number.
        ///   - expected: Its wrapped key as read.
        ///   - replacement: Its wrapped key under the new root key.
        public init(version: Int, expected: [UInt8], replacement: [UInt8]) {
            self.version = version
            self.expected = expected
            self.replacement = replacement
        }
    }

    /// The keyring revision the versions were read at: the change applies only if it has not moved.
    public var expectedRevision: Int64
    /// Every stored master key version (retired ones included), re-wrapped.
    public var versions: [Version]
    /// The new root key record.
    public var record: RootKeyRecord

    /// Creates the change.
    /// - Parameters:
    ///   - expectedRevision: The revision the versions were read at.
    ///   - versions: Every version, re-wrapped.
    ///   - record: The new root key record.
    public init(expectedRevision: Int64, versions: [Version], record: RootKeyRecord) {
        self.expectedRevision = expectedRevision
        self.versions = versions
        self.record = record
    }
}
