import NIOCore

/// Closes a connection when the `IdleStateHandler` in front of it reports that nothing was read for the idle
/// timeout, so a client that opens a socket and goes quiet does not hold a connection slot forever.
final class IdleConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
