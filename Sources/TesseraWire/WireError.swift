/// A violation of the Tessera wire protocol by the peer, found while framing bytes.
///
/// Every such error is fatal to the connection: a server answers it with a `go_away` whose reason is
/// ``message`` (see ``goAwayFrame(lastCallID:)``) and closes the connection; a client closes it. The process and
/// the other connections are unaffected.
///
/// Errors are equal when their codes are equal, whatever their messages. The message is built only from sizes,
/// kinds and ids, never from the bytes of a frame, so it is safe to log and to send to the peer.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of protocol violation happened.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case frameTooLarge
            case emptyFrame
            case malformedFrame
            case missingFrameKind
            case unexpectedFrameKind
            case invalidCallID
            case duplicateCallID
            case truncatedFrame
            case frameTimeout
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The length header announced a frame above the receiver's `max_frame_bytes`.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The length header announced a frame of 0 bytes.
        public static let emptyFrame = Code(.emptyFrame)
        /// The frame's bytes are not a valid `tessera.wire.v1.Frame` protobuf message.
        public static let malformedFrame = Code(.malformedFrame)
        /// The frame decoded but none of its kinds is set (or only a kind this version does not know).
        public static let missingFrameKind = Code(.missingFrameKind)
        /// The frame's kind may not be sent in this direction (for example a `reply` sent by a client).
        public static let unexpectedFrameKind = Code(.unexpectedFrameKind)
        /// A `call` or `reply` carries the id 0, which the protocol reserves.
        public static let invalidCallID = Code(.invalidCallID)
        /// A `call` reuses the id of a call still in flight on the connection (detected by the server, not the codec).
        public static let duplicateCallID = Code(.duplicateCallID)
        /// The stream ended in the middle of a frame.
        public static let truncatedFrame = Code(.truncatedFrame)
        /// A frame that had begun did not arrive whole within the receiver's time limit (detected by the server,
        /// not the codec).
        public static let frameTimeout = Code(.frameTimeout)

        /// The code's name, for example `frameTooLarge`.
        public var description: String {
            self.base.rawValue
        }
    }

    /// What kind of protocol violation happened; branch on this.
    public let code: Code

    /// A short English reason fit for a `go_away`, for example "frame of 2000000 bytes exceeds the limit of
    /// 1048576 bytes". It never contains the bytes of a frame.
    public let message: String

    /// Creates a wire error.
    ///
    /// - Parameters:
    ///   - code: What kind of protocol violation happened.
    ///   - message: A short reason that must not contain any data taken from a frame's body.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message, for logs.
    public var description: String {
        "WireError.\(self.code): \(self.message)"
    }

    /// Compares the codes only, like the other errors of Tessera.
    public static func == (lhs: WireError, rhs: WireError) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes the code only, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}

extension WireError {
    /// The `go_away` frame a server sends before closing a connection because of this error.
    ///
    /// - Parameter lastCallID: The id of the last call the server received on the connection, or 0 when none.
    /// - Returns: A frame whose kind is `go_away`, with ``message`` as its reason.
    public func goAwayFrame(lastCallID: UInt64) -> Tessera_Wire_V1_Frame {
        var goAway = Tessera_Wire_V1_GoAway()
        goAway.reason = self.message
        goAway.lastCallID = lastCallID
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .goAway(goAway)
        return frame
    }
}
