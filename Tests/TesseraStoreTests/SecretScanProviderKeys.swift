import Foundation
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

extension SecretScanSession {
    /// The provider-key flows' part: two keys stored, one replaced, each opened (audited), listed, one deleted, and
    /// a refused `Put` of a malformed key. Returns every API key it used.
    static func providerKeyFlows(
        on store: any TesseraStore,
        cipher: EnvelopeCipher,
        user: UUID
    ) async throws -> [ScannedSecret] {
        let keys = ProviderKeys(
            store: store, cipher: cipher,
            audit: AuditLog(store: store, key: AuditSigningKey(material: .random(count: 32)))
        )
        var secrets: [ScannedSecret] = []
        func apiKey(_ prefix: String) -> String { prefix + Base32.encode(SecureRandom.bytes(count: 30)) }
        let openai = apiKey("sk-proj-flow-")
        let anthropic = apiKey("sk-ant-flow-")
        let replacement = apiKey("sk-proj-flow-new-")
        let refused = apiKey("sk-refused ") + " with spaces"
        secrets += [
            ScannedSecret("flow API key openai", text: openai),
            ScannedSecret("flow API key anthropic", text: anthropic),
            ScannedSecret("flow API key openai (replaced)", text: replacement),
            ScannedSecret("refused API key", text: refused),
        ]
        _ = try await keys.put(userID: user, providerType: "openai-flow", apiKey: openai, caller: "scan")
        _ = try await keys.put(userID: user, providerType: "anthropic-flow", apiKey: anthropic, caller: "scan")
        _ = try await keys.put(userID: user, providerType: "openai-flow", apiKey: replacement, caller: "scan")
        do {
            _ = try await keys.put(userID: user, providerType: "mistral-flow", apiKey: refused, caller: "scan")
            Issue.record("a malformed API key was accepted")
        } catch let error as AuthError {
            #expect(!error.description.contains(refused))
        }
        #expect(
            try await keys.open(userID: user, providerType: "openai-flow", caller: "scan").revealAPIKey() == replacement
        )
        #expect(
            try await keys.open(userID: user, providerType: "anthropic-flow", caller: "scan").revealAPIKey()
                == anthropic)
        #expect(try await keys.list(userID: user).map(\.providerType).contains("openai-flow"))
        #expect(try await keys.delete(userID: user, providerType: "anthropic-flow", caller: "scan"))
        return secrets
    }
}
