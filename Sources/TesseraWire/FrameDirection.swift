/// Which way frames travel on a connection, and so which frame kinds are allowed.
///
/// A client sends only `call`, `cancel`, `ping` and `pong`; a server sends only `reply`, `ping`, `pong` and
/// `go_away` (proto/README.md, "Direction"). A ``FrameDecoder`` given a direction refuses the other kinds with
/// ``WireError/Code/unexpectedFrameKind``.
public struct FrameDirection: Hashable, Sendable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case clientToServer
        case serverToClient
    }

    private let base: Base

    private init(_ base: Base) {
        self.base = base
    }

    /// Frames sent by a client and read by a server: `call`, `cancel`, `ping`, `pong`.
    public static let clientToServer = FrameDirection(.clientToServer)

    /// Frames sent by a server and read by a client: `reply`, `ping`, `pong`, `go_away`.
    public static let serverToClient = FrameDirection(.serverToClient)

    /// Whether a frame of this kind may travel in this direction.
    ///
    /// - Parameter kind: The kind of a frame.
    /// - Returns: `true` when the protocol allows the kind in this direction.
    public func permits(_ kind: Tessera_Wire_V1_Frame.OneOf_Kind) -> Bool {
        switch (self.base, kind) {
        case (_, .ping), (_, .pong):
            return true
        case (.clientToServer, .call), (.clientToServer, .cancel):
            return true
        case (.serverToClient, .reply), (.serverToClient, .goAway):
            return true
        case (.clientToServer, .reply), (.clientToServer, .goAway):
            return false
        case (.serverToClient, .call), (.serverToClient, .cancel):
            return false
        }
    }

    /// "client to server" or "server to client".
    public var description: String {
        switch self.base {
        case .clientToServer: "client to server"
        case .serverToClient: "server to client"
        }
    }
}
