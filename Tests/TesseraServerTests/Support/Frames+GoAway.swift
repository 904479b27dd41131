import TesseraWire

extension [Tessera_Wire_V1_Frame] {
    /// The first `go_away` among the frames.
    var firstGoAway: Tessera_Wire_V1_GoAway? {
        lazy.compactMap { frame -> Tessera_Wire_V1_GoAway? in
            if case .goAway(let goAway) = frame.kind { return goAway }
            return nil
        }.first
    }

    /// The replies among the frames, in order.
    var replies: [Tessera_Wire_V1_Reply] {
        compactMap { frame -> Tessera_Wire_V1_Reply? in
            if case .reply(let reply) = frame.kind { return reply }
            return nil
        }
    }
}
