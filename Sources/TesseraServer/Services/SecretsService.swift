import Foundation
import TesseraCrypto
import TesseraWire

/// `tessera.v1.Secrets`: stateless envelope encryption bound to a caller-chosen context.
public struct SecretsService: Sendable {
    private let cipher: EnvelopeCipher
    private let maxBatchItems: Int

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - cipher: The envelope cipher over the master keyring.
    ///   - maxBatchItems: The most items a batch call may carry.
    public init(cipher: EnvelopeCipher, maxBatchItems: Int) {
        self.cipher = cipher
        self.maxBatchItems = maxBatchItems
    }

    /// Registers `Seal`, `Open`, `SealBatch`, `OpenBatch` and `Rewrap`. The single-item methods, one or two passes
    /// of AES-GCM over at most 64 KiB, are answered on the event loop; the batches, up to `maxBatchItems` items,
    /// get a task of their own.
    ///
    /// - Parameter router: The router to add the methods to.
    public func register(into router: inout CallRouter) {
        router.registerOnEventLoop(MethodCatalog.secretsSeal, request: Tessera_V1_SealRequest.self) { request, _ in
            var response = Tessera_V1_SealResponse()
            response.sealed = try seal(request)
            return response
        }
        router.registerOnEventLoop(MethodCatalog.secretsOpen, request: Tessera_V1_OpenRequest.self) { request, _ in
            var response = Tessera_V1_OpenResponse()
            response.plaintext = try open(request)
            return response
        }
        router.registerOnEventLoop(MethodCatalog.secretsRewrap, request: Tessera_V1_RewrapRequest.self) { request, _ in
            try rewrap(request)
        }
        router.register(MethodCatalog.secretsSealBatch, request: Tessera_V1_SealBatchRequest.self) { request, _ in
            try checkBatchSize(request.items.count)
            var response = Tessera_V1_SealBatchResponse()
            response.results = request.items.map { item in
                var result = Tessera_V1_SealBatchResult()
                do {
                    result.sealed = try seal(item)
                    result.status = Tessera_Wire_V1_Status(.ok)
                } catch {
                    result.status = CallError.from(error).status
                }
                return result
            }
            return response
        }
        router.register(MethodCatalog.secretsOpenBatch, request: Tessera_V1_OpenBatchRequest.self) { request, _ in
            try checkBatchSize(request.items.count)
            var response = Tessera_V1_OpenBatchResponse()
            response.results = request.items.map { item in
                var result = Tessera_V1_OpenBatchResult()
                do {
                    result.plaintext = try open(item)
                    result.status = Tessera_Wire_V1_Status(.ok)
                } catch {
                    result.status = CallError.from(error).status
                }
                return result
            }
            return response
        }
    }

    func seal(_ request: Tessera_V1_SealRequest) throws -> Data {
        let context = try Self.context(request.context)
        let sealed = try cipher.seal(request.plaintext, context: context)
        return Data(sealed.serialized)
    }

    /// Opens a sealed value; every failure, whatever its cause, is the same opaque `INVALID_ARGUMENT`.
    func open(_ request: Tessera_V1_OpenRequest) throws -> Data {
        do {
            let context = try Self.context(request.context)
            let plaintext = try cipher.open(serialized: request.sealed, context: context)
            return plaintext.withUnsafeBytes { Data($0) }
        } catch let error as CryptoError where error.code == .internalFailure {
            throw error
        } catch {
            throw CallError(.invalidArgument, CallError.sealedValueDoesNotOpen)
        }
    }

    /// Moves a sealed value's data key to the active master key version, leaving the payload as it is; every
    /// failure is the same opaque `INVALID_ARGUMENT` as ``open(_:)``.
    func rewrap(_ request: Tessera_V1_RewrapRequest) throws -> Tessera_V1_RewrapResponse {
        try Self.rewrap(request, purpose: .general, cipher: cipher)
    }

    /// Re-wraps a sealed value of one purpose (`Secrets/Rewrap`: general secrets; `Totp/Rewrap`: TOTP secrets).
    ///
    /// - Parameters:
    ///   - request: The sealed value and the caller's context.
    ///   - purpose: The purpose the value must have been sealed for; any other does not open.
    ///   - cipher: The envelope cipher.
    /// - Returns: The value on the active version, and whether it changed.
    /// - Throws: `CallError(.invalidArgument)`, opaque, when the value does not open with that context and purpose.
    static func rewrap(
        _ request: Tessera_V1_RewrapRequest,
        purpose: EnvelopePurpose,
        cipher: EnvelopeCipher
    ) throws -> Tessera_V1_RewrapResponse {
        do {
            let context = try Self.context(request.context, purpose: purpose)
            let envelope = try SealedEnvelope(serialized: request.sealed)
            // Always unwrapped, also on the active version: that authenticates the wrapped key and the context, so
            // a value that would not open is refused here too.
            let wrapped = try cipher.rewrap(envelope.wrappedKey, context: context)
            var response = Tessera_V1_RewrapResponse()
            response.keyVersion = wrapped.masterKeyVersion
            if wrapped.masterKeyVersion == envelope.masterKeyVersion {
                response.sealed = request.sealed
            } else {
                response.sealed = Data(SealedEnvelope(wrappedKey: wrapped, payload: envelope.payload).serialized)
                response.rewrapped = true
            }
            return response
        } catch let error as CryptoError where error.code == .internalFailure {
            throw error
        } catch {
            throw CallError(.invalidArgument, CallError.sealedValueDoesNotOpen)
        }
    }

    private func checkBatchSize(_ count: Int) throws {
        guard count <= maxBatchItems else {
            throw CallError(.invalidArgument, "batch has more than \(maxBatchItems) items")
        }
    }

    /// Builds an encryption context, with a reason that does not quote the caller's keys or values.
    ///
    /// A key under `tessera.` is refused here like any other invalid key: those entries are the crypto layer's
    /// ``EnvelopePurpose``, which a request never chooses.
    static func context(_ entries: [String: String], purpose: EnvelopePurpose = .general) throws -> EncryptionContext {
        do {
            return try EncryptionContext(dictionary: entries, purpose: purpose)
        } catch {
            throw CallError(.invalidArgument, invalidContextMessage)
        }
    }

    /// Why a context is refused, stated as the rules rather than the offending entry.
    static let invalidContextMessage = """
        context is invalid: at most \(EncryptionContext.maxEntries) entries, keys of 1 to \
        \(EncryptionContext.maxKeyBytes) bytes of A-Z a-z 0-9 . _ - not starting with \
        '\(EncryptionContext.reservedKeyPrefix)' (reserved), values of 1 to \(EncryptionContext.maxValueBytes) bytes
        """
}
