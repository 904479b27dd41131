import Foundation
import TesseraAuth
import TesseraServer
import TesseraWire

/// `tessera.v1.ProviderKeys`: a thin adapter over ``ProviderKeys`` (decode, call the domain with the caller's name,
/// encode). `Get` is a grant of its own (``MethodCatalog/providerKeysGet`` needs it by name).
public struct ProviderKeysService: Sendable {
    let keys: ProviderKeys

    /// Creates the service.
    /// - Parameter keys: The provider-key flows.
    public init(keys: ProviderKeys) {
        self.keys = keys
    }

    /// Registers the four methods.
    public func register(into router: inout CallRouter) {
        let keys = self.keys
        router.register(MethodCatalog.providerKeysPut, request: Tessera_V1_PutProviderKeyRequest.self) {
            request, context in
            try await AuthCallError.run {
                let stored = try await keys.put(
                    userID: try AuthWire.uuid(request.userID), providerType: request.providerType,
                    displayName: request.displayName, modelName: request.modelName, apiKey: request.apiKey,
                    caller: context.caller.id
                )
                var response = Tessera_V1_PutProviderKeyResponse()
                response.key = Self.info(stored.key)
                response.replaced = stored.replaced
                return response
            }
        }
        router.register(MethodCatalog.providerKeysList, request: Tessera_V1_ListProviderKeysRequest.self) {
            request, _ in
            try await AuthCallError.run {
                var response = Tessera_V1_ListProviderKeysResponse()
                response.keys = try await keys.list(userID: try AuthWire.uuid(request.userID)).map(Self.info)
                return response
            }
        }
        router.register(MethodCatalog.providerKeysGet, request: Tessera_V1_GetProviderKeyRequest.self) {
            request, context in
            try await AuthCallError.run {
                let opened = try await keys.open(
                    userID: try AuthWire.uuid(request.userID), providerType: request.providerType,
                    caller: context.caller.id
                )
                var response = Tessera_V1_GetProviderKeyResponse()
                response.apiKey = opened.revealAPIKey()
                response.modelName = opened.modelName ?? ""
                return response
            }
        }
        router.register(MethodCatalog.providerKeysDelete, request: Tessera_V1_DeleteProviderKeyRequest.self) {
            request, context in
            try await AuthCallError.run {
                var response = Tessera_V1_DeleteProviderKeyResponse()
                response.deleted = try await keys.delete(
                    userID: try AuthWire.uuid(request.userID), providerType: request.providerType,
                    caller: context.caller.id
                )
                return response
            }
        }
    }

    static func info(_ key: ProviderKeySummary) -> Tessera_V1_ProviderKeyInfo {
        var wire = Tessera_V1_ProviderKeyInfo()
        wire.providerType = key.providerType
        wire.displayName = key.displayName
        wire.modelName = key.modelName ?? ""
        wire.keyLast4Chars = key.keyLast4Chars
        wire.createdAtUnix = AuthWire.unix(key.createdAt)
        wire.updatedAtUnix = AuthWire.unix(key.updatedAt)
        return wire
    }
}
