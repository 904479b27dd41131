import Foundation
import NIOCore
import NIOPosix

/// A response as read off the socket by ``RawHTTPConnection``.
struct RawHTTPResponse {
    var statusCode: Int
    /// Header names lower-cased; the last value wins.
    var headers: [String: String]
    var body: String
}

/// A deliberately dumb HTTP/1.1 client over a real TCP socket: it writes whatever bytes a test gives it and
/// parses responses by hand, so tests can send requests no well-behaved client would (huge heads, bodies on
/// `GET`, pipelined requests).
struct RawHTTPConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer = ByteBuffer()

    /// Connects to 127.0.0.1:`port` and runs `body` with the connection, closing it afterwards.
    static func with<Result: Sendable>(
        port: Int,
        _ body: (inout RawHTTPConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawHTTPConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Writes raw bytes.
    func send(_ text: String) async throws {
        try await self.outbound.write(ByteBuffer(string: text))
    }

    /// Sends `METHOD path HTTP/1.1` with a Host header and any extra header lines.
    func request(_ method: String, _ path: String, headers: [String] = []) async throws {
        let lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"] + headers
        try await self.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
    }

    /// Reads one response; `nil` when the server closed the connection (or reset it) before a full response.
    /// - Parameter expectBody: false for the answer to `HEAD`, whose `Content-Length` announces no bytes.
    mutating func readResponse(expectBody: Bool = true) async throws -> RawHTTPResponse? {
        while true {
            if let response = self.parse(expectBody: expectBody) {
                return response
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await self.inbound.next()
            } catch {
                return nil  // reset by the server
            }
            guard var chunk else {
                return nil
            }
            self.buffer.writeBuffer(&chunk)
        }
    }

    /// Whether the server closed the connection: the next read sees end of stream (or a reset).
    mutating func isClosedByServer() async -> Bool {
        do {
            while let chunk = try await self.inbound.next() {
                if chunk.readableBytes > 0 {
                    return false
                }
            }
            return true
        } catch {
            return true
        }
    }

    private mutating func parse(expectBody: Bool) -> RawHTTPResponse? {
        let bytes = Array(self.buffer.readableBytesView)
        let separator = Array("\r\n\r\n".utf8)
        guard let headEnd = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            return nil
        }
        let headText = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let statusCode = Int(statusLine[1]) else {
            return nil
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = expectBody ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        let bodyStart = headEnd + 4
        guard bytes.count >= bodyStart + length else {
            return nil
        }
        let body = String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)
        self.buffer.moveReaderIndex(forwardBy: bodyStart + length)
        return RawHTTPResponse(statusCode: statusCode, headers: headers, body: body)
    }
}
