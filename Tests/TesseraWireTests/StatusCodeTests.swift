import TesseraWire
import Testing

@Suite("Status codes")
struct StatusCodeTests {
    /// gRPC's codes (grpc/doc/statuscodes.md), number and name.
    static let grpc: [(Int, String, StatusCode)] = [
        (0, "OK", .ok), (1, "CANCELLED", .cancelled), (2, "UNKNOWN", .unknown),
        (3, "INVALID_ARGUMENT", .invalidArgument), (4, "DEADLINE_EXCEEDED", .deadlineExceeded),
        (5, "NOT_FOUND", .notFound), (6, "ALREADY_EXISTS", .alreadyExists),
        (7, "PERMISSION_DENIED", .permissionDenied), (8, "RESOURCE_EXHAUSTED", .resourceExhausted),
        (9, "FAILED_PRECONDITION", .failedPrecondition), (10, "ABORTED", .aborted),
        (11, "OUT_OF_RANGE", .outOfRange), (12, "UNIMPLEMENTED", .unimplemented), (13, "INTERNAL", .internal),
        (14, "UNAVAILABLE", .unavailable), (15, "DATA_LOSS", .dataLoss), (16, "UNAUTHENTICATED", .unauthenticated),
    ]

    @Test("numbers and names are gRPC's, in Swift and in the generated enum", arguments: grpc)
    func matchesGRPC(number: Int, name: String, code: StatusCode) throws {
        #expect(code.rawValue == number)
        #expect(code.description == name)
        #expect(StatusCode(rawValue: number) == code)
        #expect(code.protoCode.rawValue == number)
        #expect(StatusCode(code.protoCode) == code)
        // The proto enum's value names are gRPC's too (that is what the JSON mapping and other languages see).
        if number != 0 {  // the JSON mapping leaves out a default value
            var status = Tessera_Wire_V1_Status()
            status.code = code.protoCode
            #expect(try status.jsonString() == "{\"code\":\"\(name)\"}")
        }
    }

    @Test("numbers outside 0–16 are unknown, as gRPC requires of a receiver")
    func unrecognised() throws {
        #expect(StatusCode(rawValue: 17) == nil)
        #expect(StatusCode(rawValue: -1) == nil)
        let fromWire = try #require(Tessera_Wire_V1_Status.Code(rawValue: 99))
        #expect(StatusCode(fromWire) == .unknown)
        var status = Tessera_Wire_V1_Status()
        status.code = fromWire
        #expect(status.statusCode == .unknown)
    }

    @Test("a status is built from a code and a reason")
    func statusInit() {
        let status = Tessera_Wire_V1_Status(.resourceExhausted, "too many calls in flight")
        #expect(status.code == .resourceExhausted)
        #expect(status.message == "too many calls in flight")
        #expect(Tessera_Wire_V1_Status(.ok).message.isEmpty)
    }
}
