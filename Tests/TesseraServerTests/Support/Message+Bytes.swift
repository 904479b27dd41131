import Foundation
import SwiftProtobuf
import TesseraWire

extension SwiftProtobuf.Message {
    /// The binary encoding; the tests' messages always serialize.
    var bytes: Data { (try? serializedData()) ?? Data() }
}

extension Tessera_V1_HashPasswordRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_VerifyPasswordRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_GenerateTotpRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_VerifyTotpRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_SealRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_OpenRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_SealBatchRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_OpenBatchRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_RewrapRequest: SwiftProtobufMessageBytes {}
extension Tessera_V1_HealthCheckRequest: SwiftProtobufMessageBytes {}

extension Tessera_Wire_V1_Reply {
    /// The status code as the Swift type.
    var code: StatusCode { status.statusCode }

    /// Decodes the body as a response message.
    func decode<M: SwiftProtobuf.Message>(_ type: M.Type) throws -> M {
        try M(serializedBytes: body)
    }
}
