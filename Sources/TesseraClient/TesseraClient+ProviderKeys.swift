import Foundation
import TesseraWire

/// Typed methods of `tessera.v1.ProviderKeys` (see `proto/tessera/v1/provider_keys.proto`). The API key passed to
/// ``putProviderKey(userID:providerType:apiKey:displayName:modelName:timeout:)`` and returned by
/// ``providerKey(userID:providerType:timeout:)`` is a secret: never log it.
extension TesseraClient {
    /// Stores (or replaces) a user's API key for a provider type (`tessera.v1.ProviderKeys/Put`).
    /// - Returns: The stored key as it may be shown, and whether an earlier one was replaced.
    public func putProviderKey(
        userID: String,
        providerType: String,
        apiKey: String,
        displayName: String = "",
        modelName: String = "",
        timeout: Duration? = nil
    ) async throws -> Tessera_V1_PutProviderKeyResponse {
        var request = Tessera_V1_PutProviderKeyRequest()
        request.userID = userID
        request.providerType = providerType
        request.apiKey = apiKey
        request.displayName = displayName
        request.modelName = modelName
        return try await call(MethodCatalog.providerKeysPut, request, timeout: timeout)
    }

    /// A user's stored keys, last four characters only (`tessera.v1.ProviderKeys/List`).
    public func providerKeys(userID: String, timeout: Duration? = nil) async throws -> [Tessera_V1_ProviderKeyInfo] {
        var request = Tessera_V1_ListProviderKeysRequest()
        request.userID = userID
        return try await call(
            MethodCatalog.providerKeysList, request, as: Tessera_V1_ListProviderKeysResponse.self, timeout: timeout
        ).keys
    }

    /// The plaintext of a user's key for a provider type (`tessera.v1.ProviderKeys/Get`: a grant of its own,
    /// audited with this caller's name).
    /// - Returns: The API key and the model name.
    public func providerKey(userID: String, providerType: String, timeout: Duration? = nil) async throws
        -> Tessera_V1_GetProviderKeyResponse
    {
        var request = Tessera_V1_GetProviderKeyRequest()
        request.userID = userID
        request.providerType = providerType
        return try await call(MethodCatalog.providerKeysGet, request, timeout: timeout)
    }

    /// Deletes a user's key for a provider type (`tessera.v1.ProviderKeys/Delete`).
    /// - Returns: Whether there was one.
    @discardableResult
    public func deleteProviderKey(userID: String, providerType: String, timeout: Duration? = nil) async throws
        -> Bool
    {
        var request = Tessera_V1_DeleteProviderKeyRequest()
        request.userID = userID
        request.providerType = providerType
        return try await call(
            MethodCatalog.providerKeysDelete, request, as: Tessera_V1_DeleteProviderKeyResponse.self,
            timeout: timeout
        ).deleted
    }
}
