/// The bounds on a call's `metadata` map, checked before the call is authenticated so that a stranger cannot make
/// the server walk a map of thousands of entries.
///
/// A call outside them is answered `INVALID_ARGUMENT` without being authenticated (and counts, like an
/// `UNAUTHENTICATED` refusal, against its address's budget of refusals).
public struct CallMetadataLimits: Sendable, Hashable {
    /// The most entries in the map. Default: 32.
    public var maxEntries: Int
    /// The longest key, in UTF-8 bytes. Default: 128.
    public var maxKeyBytes: Int
    /// The longest value, in UTF-8 bytes. Default: 4096.
    public var maxValueBytes: Int
    /// The most bytes of keys and values together. Default: 8192.
    public var maxTotalBytes: Int

    /// Creates metadata limits; every parameter has the documented default.
    ///
    /// - Parameters:
    ///   - maxEntries: The most entries.
    ///   - maxKeyBytes: The longest key in bytes.
    ///   - maxValueBytes: The longest value in bytes.
    ///   - maxTotalBytes: The most bytes of keys and values together.
    public init(maxEntries: Int = 32, maxKeyBytes: Int = 128, maxValueBytes: Int = 4096, maxTotalBytes: Int = 8192) {
        self.maxEntries = maxEntries
        self.maxKeyBytes = maxKeyBytes
        self.maxValueBytes = maxValueBytes
        self.maxTotalBytes = maxTotalBytes
    }

    /// Why `metadata` is outside these limits, or `nil` when it is within them. The reason names sizes only, never
    /// keys or values.
    ///
    /// - Parameter metadata: A call's metadata.
    /// - Returns: A short reason for an `INVALID_ARGUMENT` status, or `nil`.
    public func violation(in metadata: [String: String]) -> String? {
        if metadata.count > maxEntries {
            return "call metadata has \(metadata.count) entries; the limit is \(maxEntries)"
        }
        var total = 0
        for (key, value) in metadata {
            let keyBytes = key.utf8.count
            let valueBytes = value.utf8.count
            if keyBytes > maxKeyBytes {
                return "a call metadata key is longer than \(maxKeyBytes) bytes"
            }
            if valueBytes > maxValueBytes {
                return "a call metadata value is longer than \(maxValueBytes) bytes"
            }
            total += keyBytes + valueBytes
        }
        if total > maxTotalBytes {
            return "call metadata holds \(total) bytes; the limit is \(maxTotalBytes)"
        }
        return nil
    }
}
