import Foundation

/// One compare-and-swap of a rewrap batch: replace a row's wrapped key (or sealed secret) by `replacement` if it
/// still holds `expected`.
public struct KeyringSwap: Sendable, Hashable {
    /// The row: a provider key's id, or a user's id for a TOTP secret.
    public var id: UUID
    /// The bytes the row must still hold.
    public var expected: [UInt8]
    /// The bytes to put in.
    public var replacement: [UInt8]
    /// The master key version `expected` is wrapped under (its count moves to the target's).
    public var fromVersion: Int

    /// Creates a swap.
    /// - Parameters:
    ///   - id: The row.
    ///   - expected: What it must still hold.
    ///   - replacement: What to put in.
    ///   - fromVersion: The version `expected` is under.
    public init(id: UUID, expected: [UInt8], replacement: [UInt8], fromVersion: Int) {
        self.id = id
        self.expected = expected
        self.replacement = replacement
        self.fromVersion = fromVersion
    }
}
