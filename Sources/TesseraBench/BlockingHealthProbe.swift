import Foundation
import Synchronization
import TesseraWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures `Health/Check` round trips from a thread of its own over a plain blocking socket.
///
/// During the flood the load generator runs thousands of client tasks in this same process; a prober that is one
/// more task waits behind them on the Swift pool, and its numbers then describe the load generator, not the server.
/// A dedicated thread with a blocking socket is scheduled by the kernel alone, as a separate client process would be.
struct BlockingHealthProbe {
    /// One round trip.
    struct Sample: Sendable {
        /// When the call was sent, on ``MonotonicClock``.
        var startedNanoseconds: Int64
        /// How long until its reply was read.
        var duration: Duration
    }

    let port: Int
    let token: String

    /// Probes every millisecond or so until `running` turns false; returns each round trip.
    ///
    /// - Parameter running: Cleared by the caller to stop.
    /// - Returns: The round trips, with when each started.
    /// - Throws: ``RpcBenchmarkError`` when the socket fails or a reply is not an OK reply to the probe.
    func samples(while running: borrowing Atomic<Bool>) throws -> [Sample] {
        let socket = try connect()
        defer { close(socket) }
        var samples: [Sample] = []
        var id: UInt64 = 0
        while running.load(ordering: .relaxed) {
            id += 1
            var frame = Tessera_Wire_V1_Frame()
            var call = Tessera_Wire_V1_Call()
            call.id = id
            call.method = MethodCatalog.healthCheck.name
            call.metadata = ["authorization": "Bearer \(token)"]
            frame.kind = .call(call)
            let body = try frame.serializedBytes() as [UInt8]
            let length = UInt32(body.count)
            let header: [UInt8] = [
                UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff),
            ]
            let startedNanoseconds = MonotonicClock.nanoseconds()
            let started = ContinuousClock.now
            try send(socket, header + body)
            let replyHeader = try receive(socket, count: 4)
            let replyLength = replyHeader.reduce(0) { ($0 << 8) | Int($1) }
            let reply = try Tessera_Wire_V1_Frame(serializedBytes: try receive(socket, count: replyLength))
            samples.append(Sample(startedNanoseconds: startedNanoseconds, duration: ContinuousClock.now - started))
            guard case .reply(let answer) = reply.kind, answer.id == id, answer.status.code == .ok else {
                throw RpcBenchmarkError("the blocking Health probe got an unexpected frame")
            }
            usleep(1000)
        }
        return samples
    }

    private func connect() throws -> Int32 {
        #if canImport(Glibc) || canImport(Musl)
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw RpcBenchmarkError("socket() failed for the Health probe") }
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw RpcBenchmarkError("the Health probe could not connect")
        }
        return socket
    }

    private func send(_ socket: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw RpcBenchmarkError("the Health probe's socket failed to send") }
            sent += written
        }
    }

    private func receive(_ socket: Int32, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let read = bytes[received...].withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
            guard read > 0 else { throw RpcBenchmarkError("the Health probe's socket closed") }
            received += read
        }
        return bytes
    }
}
