extension Tessera_Wire_V1_Frame.OneOf_Kind {
    /// The kind's field name in `frame.proto` (`call`, `reply`, `cancel`, `ping`, `pong`, `go_away`), for
    /// error messages and logs.
    public var name: String {
        switch self {
        case .call: "call"
        case .reply: "reply"
        case .cancel: "cancel"
        case .ping: "ping"
        case .pong: "pong"
        case .goAway: "go_away"
        }
    }
}
