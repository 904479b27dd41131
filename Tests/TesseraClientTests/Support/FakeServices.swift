import Foundation
import SwiftProtobuf
import TesseraWire

/// Toy implementations of every method, enough to check that the client encodes requests and decodes responses
/// field by field. "Sealing" here reverses the bytes behind a copy of the context: not encryption, just a
/// reversible, context-bound transformation the tests can predict.
enum FakeServices {
    /// The behaviour answering every method of the catalog, optionally after a delay.
    static func behaviour(delay: @escaping @Sendable () -> Duration = { .zero }) -> FakeServer.Behaviour {
        { call, _ in
            do {
                return try Self.answer(call, delay: delay())
            } catch {
                return .fail(.invalidArgument, "body does not decode")
            }
        }
    }

    /// The fake hash of a password.
    static func phc(of password: String) -> String {
        "$argon2id$v=19$m=8,t=1,p=1$fake$\(password.utf8.count)"
    }

    static func seal(_ plaintext: Data, _ context: [String: String]) -> Data {
        Data(Self.contextTag(context).utf8) + Data(plaintext.reversed())
    }

    private static func contextTag(_ context: [String: String]) -> String {
        context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value);" }.joined() + "|"
    }

    private static func open(_ sealed: Data, _ context: [String: String]) -> Data? {
        let tag = Data(Self.contextTag(context).utf8)
        guard sealed.starts(with: tag) else {
            return nil
        }
        return Data(sealed.dropFirst(tag.count).reversed())
    }

    private static func answer(_ call: Tessera_Wire_V1_Call, delay: Duration) throws -> FakeServer.Action {
        switch call.method {
        case MethodCatalog.healthCheck.name:
            var component = Tessera_V1_ComponentHealth()
            component.name = "keyring"
            component.status = .serving
            var response = Tessera_V1_HealthCheckResponse()
            response.status = .serving
            response.components = [component]
            return .ok(response, after: delay)
        case MethodCatalog.passwordsHash.name:
            let request = try Tessera_V1_HashPasswordRequest(serializedBytes: call.body)
            guard !request.password.isEmpty else {
                return .fail(.invalidArgument, "password is empty", after: delay)
            }
            var response = Tessera_V1_HashPasswordResponse()
            response.phc = Self.phc(of: request.password)
            return .ok(response, after: delay)
        case MethodCatalog.passwordsVerify.name:
            let request = try Tessera_V1_VerifyPasswordRequest(serializedBytes: call.body)
            var response = Tessera_V1_VerifyPasswordResponse()
            response.valid = request.phc.replacingOccurrences(of: "old", with: "") == Self.phc(of: request.password)
            response.needsRehash = request.phc.contains("old")
            if response.valid && response.needsRehash {
                response.newPhc = Self.phc(of: request.password)
            }
            return .ok(response, after: delay)
        case MethodCatalog.totpGenerate.name:
            let request = try Tessera_V1_GenerateTotpRequest(serializedBytes: call.body)
            var response = Tessera_V1_GenerateTotpResponse()
            response.secretBase32 = "JBSWY3DPEHPK3PXP"
            response.otpauthUri =
                "otpauth://totp/\(request.issuer):\(request.account)?secret=JBSWY3DPEHPK3PXP"
                + "&digits=\(request.digits)&period=\(request.periodSeconds)&algorithm=\(request.algorithm.rawValue)"
            response.qrPng = Data([0x89, 0x50, 0x4E, 0x47])
            response.sealedSecret = Self.seal(Data("JBSWY3DPEHPK3PXP".utf8), request.context)
            return .ok(response, after: delay)
        case MethodCatalog.totpVerify.name:
            let request = try Tessera_V1_VerifyTotpRequest(serializedBytes: call.body)
            let secret: String?
            switch request.secret {
            case .sealedSecret(let sealed):
                secret = Self.open(sealed, request.context).map { String(decoding: $0, as: UTF8.self) }
            case .secretBase32(let base32): secret = base32
            case nil: secret = nil
            }
            guard secret == "JBSWY3DPEHPK3PXP" else {
                return .fail(.invalidArgument, "secret does not open", after: delay)
            }
            var response = Tessera_V1_VerifyTotpResponse()
            response.valid = request.code == "123456" && request.digits == 6
            response.timeStep = response.valid ? 58_000_000 : 0
            response.expiresInSeconds = response.valid ? 17 : 0
            return .ok(response, after: delay)
        case MethodCatalog.secretsSeal.name:
            let request = try Tessera_V1_SealRequest(serializedBytes: call.body)
            var response = Tessera_V1_SealResponse()
            response.sealed = Self.seal(request.plaintext, request.context)
            return .ok(response, after: delay)
        case MethodCatalog.secretsOpen.name:
            let request = try Tessera_V1_OpenRequest(serializedBytes: call.body)
            guard let plaintext = Self.open(request.sealed, request.context) else {
                return .fail(.invalidArgument, "sealed value does not open", after: delay)
            }
            var response = Tessera_V1_OpenResponse()
            response.plaintext = plaintext
            return .ok(response, after: delay)
        case MethodCatalog.secretsSealBatch.name:
            let request = try Tessera_V1_SealBatchRequest(serializedBytes: call.body)
            var response = Tessera_V1_SealBatchResponse()
            response.results = request.items.map { item in
                var result = Tessera_V1_SealBatchResult()
                result.status = Tessera_Wire_V1_Status(.ok)
                result.sealed = Self.seal(item.plaintext, item.context)
                return result
            }
            return .ok(response, after: delay)
        case MethodCatalog.secretsOpenBatch.name:
            let request = try Tessera_V1_OpenBatchRequest(serializedBytes: call.body)
            var response = Tessera_V1_OpenBatchResponse()
            response.results = request.items.map { item in
                var result = Tessera_V1_OpenBatchResult()
                if let plaintext = Self.open(item.sealed, item.context) {
                    result.status = Tessera_Wire_V1_Status(.ok)
                    result.plaintext = plaintext
                } else {
                    result.status = Tessera_Wire_V1_Status(.invalidArgument, "sealed value does not open")
                }
                return result
            }
            return .ok(response, after: delay)
        default:
            return .fail(.unimplemented, "unknown method")
        }
    }
}
