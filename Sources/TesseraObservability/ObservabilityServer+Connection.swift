import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle

extension ObservabilityServer {
    /// Where a connection is between requests, so graceful shutdown can close an idle one at once and let a
    /// busy one finish its response first.
    private struct ConnectionState {
        var busy = false
        var shuttingDown = false
    }

    /// Serves requests on one connection until the client closes it, asks for `Connection: close`, breaks a
    /// limit, idles out, or the server shuts down. Errors end the connection only, never the server.
    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let state = NIOLockedValueBox(ConnectionState())
        let channel = connection.channel
        do {
            try await withGracefulShutdownHandler {
                try await connection.executeThenClose { inbound, outbound in
                    try await self.serveRequests(inbound: inbound, outbound: outbound, state: state)
                }
            } onGracefulShutdown: {
                let idle = state.withLockedValue { state -> Bool in
                    state.shuttingDown = true
                    return !state.busy
                }
                if idle {
                    channel.close(promise: nil)
                }
            }
        } catch {
            // Only the error's type: a parser error's description could quote the client's bytes.
            self.logger.debug(
                "observability connection ended with an error", metadata: ["error": "\(type(of: error))"]
            )
        }
    }

    /// The request loop of ``serve(_:)``.
    private func serveRequests(
        inbound: NIOAsyncChannelInboundStream<HTTPServerRequestPart>,
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        state: NIOLockedValueBox<ConnectionState>
    ) async throws {
        var parts = inbound.makeAsyncIterator()
        while let part = try await parts.next() {
            guard case .head(let head) = part else {
                // Body or end without a head: the decoder never produces this; drop the connection if it does.
                return
            }
            state.withLockedValue { $0.busy = true }

            if Self.headSize(head) > self.configuration.maxRequestHeadBytes {
                try await Self.write(
                    .text(.requestHeaderFieldsTooLarge, "request header fields too large"),
                    to: outbound, version: head.version, isHead: false, keepAlive: false
                )
                return
            }
            var bodyBytes = 0
            readBody: while let part = try await parts.next() {
                switch part {
                case .body(let chunk):
                    bodyBytes += chunk.readableBytes
                    if bodyBytes > self.configuration.maxRequestBodyBytes {
                        try await Self.write(
                            .text(.payloadTooLarge, "payload too large"),
                            to: outbound, version: head.version, isHead: false, keepAlive: false
                        )
                        return
                    }
                case .end:
                    break readBody
                case .head:
                    return
                }
            }

            let response = await self.router.respond(method: head.method, uri: head.uri)
            let shuttingDown = state.withLockedValue { $0.shuttingDown }
            let keepAlive = head.isKeepAlive && !shuttingDown
            try await Self.write(
                response, to: outbound, version: head.version, isHead: head.method == .HEAD, keepAlive: keepAlive
            )
            guard keepAlive else {
                return
            }
            let stop = state.withLockedValue { state -> Bool in
                state.busy = false
                return state.shuttingDown
            }
            if stop {
                return
            }
        }
    }

    /// The size of a request head as the limit counts it: the target plus every header line.
    private static func headSize(_ head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.uri.utf8.count) { size, header in
            size + header.name.utf8.count + header.value.utf8.count + 4
        }
    }

    /// Writes a complete response; for `HEAD` the body is only counted in `Content-Length`.
    private static func write(
        _ response: ObservabilityResponse,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        version: HTTPVersion,
        isHead: Bool,
        keepAlive: Bool
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        for (name, value) in response.extraHeaders {
            headers.add(name: name, value: value)
        }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
        if !isHead && !response.body.isEmpty {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        }
        try await outbound.write(.end(nil))
    }
}
