import Foundation
import NIOCore
import TesseraWire

/// One frame of every kind, with non-default values in every field, for round-trip tests.
enum SampleFrames {
    static var call: Tessera_Wire_V1_Frame {
        var call = Tessera_Wire_V1_Call()
        call.id = 7
        call.method = "tessera.v1.Secrets/Seal"
        call.metadata = ["authorization": "Bearer tsr_test", "x-request-id": "r-1"]
        call.timeoutMs = 1_500
        call.body = Data([0x0a, 0x03, 0x61, 0x62, 0x63])
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .call(call)
        return frame
    }

    static var reply: Tessera_Wire_V1_Frame {
        var reply = Tessera_Wire_V1_Reply()
        reply.id = UInt64.max
        reply.status = Tessera_Wire_V1_Status(.permissionDenied, "caller may not call this method")
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .reply(reply)
        return frame
    }

    static var okReply: Tessera_Wire_V1_Frame {
        var reply = Tessera_Wire_V1_Reply()
        reply.id = 2
        reply.status = Tessera_Wire_V1_Status(.ok)
        reply.body = Data(repeating: 0xab, count: 300)
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .reply(reply)
        return frame
    }

    static var cancel: Tessera_Wire_V1_Frame {
        var cancel = Tessera_Wire_V1_Cancel()
        cancel.id = 7
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .cancel(cancel)
        return frame
    }

    static var ping: Tessera_Wire_V1_Frame {
        var ping = Tessera_Wire_V1_Ping()
        ping.payload = Data([1, 2, 3, 4, 5, 6, 7, 8])
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .ping(ping)
        return frame
    }

    /// A ping with an empty payload: the smallest valid frame (2 bytes).
    static var emptyPing: Tessera_Wire_V1_Frame {
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .ping(Tessera_Wire_V1_Ping())
        return frame
    }

    static var pong: Tessera_Wire_V1_Frame {
        var pong = Tessera_Wire_V1_Pong()
        pong.payload = Data([8, 7, 6, 5, 4, 3, 2, 1])
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .pong(pong)
        return frame
    }

    static var goAway: Tessera_Wire_V1_Frame {
        var goAway = Tessera_Wire_V1_GoAway()
        goAway.reason = "server shutting down"
        goAway.lastCallID = 41
        var frame = Tessera_Wire_V1_Frame()
        frame.kind = .goAway(goAway)
        return frame
    }

    static let all: [Tessera_Wire_V1_Frame] = [call, reply, okReply, cancel, ping, emptyPing, pong, goAway]

    /// The wire bytes of `frames`, each with its length header, written by ``FrameEncoder``.
    static func encoded(_ frames: [Tessera_Wire_V1_Frame]) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for frame in frames {
            try FrameEncoder().encode(data: frame, out: &buffer)
        }
        return buffer
    }

    /// A buffer holding just a length header announcing `length` bytes.
    static func header(_ length: UInt32) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 4)
        buffer.writeInteger(length, endianness: .big)
        return buffer
    }
}
