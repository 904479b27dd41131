import Foundation
import TesseraStore

/// A signed head of the audit tree: its size, its root and when it was signed.
///
/// The signed form is four lines of text, each ending in `\n` (documented in docs/audit.md):
/// ```
/// tessera.audit.checkpoint.v1
/// <tree size, decimal>
/// <root hash, base64>
/// <signed at, milliseconds since 1970, decimal>
/// ```
/// The one-line form (``line``) that `tessera audit checkpoints` prints and `verify --against` reads is
/// `checkpoint v1 size=<n> time_ms=<ms> root=<base64> sig=<base64>`.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The first line of the signed form.
    public static let header = "tessera.audit.checkpoint.v1"

    /// Entries in the tree.
    public var treeSize: Int64
    /// The tree's root.
    public var rootHash: [UInt8]
    /// When it was signed, in milliseconds since 1970.
    public var timestampMilliseconds: Int64
    /// The Ed25519 signature of ``signedBytes``.
    public var signature: [UInt8]

    /// Creates a checkpoint value.
    /// - Parameters:
    ///   - treeSize: Entries in the tree.
    ///   - rootHash: The root.
    ///   - timestampMilliseconds: When.
    ///   - signature: The signature.
    public init(treeSize: Int64, rootHash: [UInt8], timestampMilliseconds: Int64, signature: [UInt8]) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timestampMilliseconds = timestampMilliseconds
        self.signature = signature
    }

    /// The checkpoint of a stored record.
    /// - Parameter record: The row.
    public init(_ record: AuditCheckpointRecord) {
        self.init(
            treeSize: record.treeSize, rootHash: record.rootHash, timestampMilliseconds: record.timestampMilliseconds,
            signature: record.signature
        )
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] {
        Self.signedBytes(treeSize: treeSize, rootHash: rootHash, timestampMilliseconds: timestampMilliseconds)
    }

    /// The signed form of a checkpoint's fields.
    static func signedBytes(treeSize: Int64, rootHash: [UInt8], timestampMilliseconds: Int64) -> [UInt8] {
        let text = "\(header)\n\(treeSize)\n\(Data(rootHash).base64EncodedString())\n\(timestampMilliseconds)\n"
        return Array(text.utf8)
    }

    /// Whether the signature is valid under `publicKey`.
    /// - Parameter publicKey: The checkpoint public key.
    /// - Returns: True when valid.
    public func isValid(under publicKey: AuditCheckpointPublicKey) -> Bool {
        publicKey.isValidSignature(signature, for: signedBytes)
    }

    /// The one-line form.
    public var line: String {
        "checkpoint v1 size=\(treeSize) time_ms=\(timestampMilliseconds) "
            + "root=\(Data(rootHash).base64EncodedString()) sig=\(Data(signature).base64EncodedString())"
    }

    /// Parses the one-line form; nil when the line is not one.
    /// - Parameter line: A line as ``line`` prints it.
    public init?(line: String) {
        let words = line.split(separator: " ")
        guard words.count == 6, words[0] == "checkpoint", words[1] == "v1" else { return nil }
        var fields: [Substring: Substring] = [:]
        for word in words.dropFirst(2) {
            guard let equals = word.firstIndex(of: "=") else { return nil }
            fields[word[..<equals]] = word[word.index(after: equals)...]
        }
        guard let size = fields["size"].flatMap({ Int64($0) }), size >= 1,
            let time = fields["time_ms"].flatMap({ Int64($0) }),
            let root = fields["root"].flatMap({ Data(base64Encoded: String($0)) }), root.count == 32,
            let signature = fields["sig"].flatMap({ Data(base64Encoded: String($0)) })
        else { return nil }
        self.init(treeSize: size, rootHash: Array(root), timestampMilliseconds: time, signature: Array(signature))
    }
}
