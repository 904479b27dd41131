extension TesseraClient {
    /// One item of ``TesseraClient/sealBatch(_:timeout:)`` (a plaintext) or ``TesseraClient/openBatch(_:timeout:)``
    /// (a sealed value), with the context it is bound to. The description shows no bytes.
    public struct BatchItem: Sendable, CustomStringConvertible {
        /// The plaintext to seal, or the sealed value to open.
        public var bytes: [UInt8]
        /// The context the value is (to be) bound to.
        public var context: [String: String]

        /// Creates an item.
        ///
        /// - Parameters:
        ///   - bytes: The plaintext to seal, or the sealed value to open.
        ///   - context: The context.
        public init(_ bytes: [UInt8], context: [String: String] = [:]) {
            self.bytes = bytes
            self.context = context
        }

        /// `BatchItem(N bytes, K context entries)`.
        public var description: String { "BatchItem(\(self.bytes.count) bytes, \(self.context.count) context entries)" }
    }
}
