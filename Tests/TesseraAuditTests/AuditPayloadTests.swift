import Foundation
import TesseraAudit
import TesseraCrypto
import Testing

/// The payload cannot carry free text: names and identifiers are validated, other values are typed.
@Suite("Audit payload")
struct AuditPayloadTests {
    @Test(
        "Secrets and free text are refused as names or identifiers",
        arguments: [
            "",  // empty
            "Password123",  // upper case
            "hunter2 hunter2",  // space
            "correct horse battery staple",
            "tsr_rt_3q2+7w",  // token-like, with symbols
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",  // hex digest
            "c2VjcmV0LXZhbHVl",  // base64
            "a123456789",  // too many digits
            "user@example.com",
            "ключ",  // non-ASCII
            String(repeating: "a", count: 49),  // too long
            "-leading",
        ]
    )
    func refusesFreeText(text: String) {
        #expect(!AuditName.isValid(text))
        #expect(throws: AuditError.self) { try AuditName(validating: text) }
    }

    @Test(
        "Identifiers such as provider types and dotted action names are accepted",
        arguments: [
            "openai", "anthropic", "keyring.rotated", "login.succeeded", "user_id", "tessera.v1", "azure-openai",
        ])
    func acceptsIdentifiers(text: String) throws {
        #expect(try AuditName(validating: text).rawValue == text)
    }

    @Test("Typed values encode to fixed, secret-free text")
    func typedValues() throws {
        let id = UUID()
        var payload = AuditPayload()
        payload.set(AuditName("user_id"), id: id)
        payload.set(AuditName("count"), count: 42)
        payload.set(AuditName("version"), keyVersion: 3)
        payload.set(AuditName("outcome"), outcome: .refused)
        payload.set(AuditName("duration_ms"), duration: .milliseconds(1500))
        payload.set(AuditName("totp"), flag: true)
        payload.set(AuditName("provider_type"), identifier: try AuditName(validating: "openai"))
        #expect(
            payload.fields == [
                "user_id": id.uuidString.lowercased(), "count": "42", "version": "3", "outcome": "refused",
                "duration_ms": "1500", "totp": "true", "provider_type": "openai",
            ]
        )
        #expect(AuditPayload.isWellFormed(payload.fields))
        #expect(!AuditPayload.isWellFormed(["note": "the password is hunter2"]))
        #expect(!AuditPayload.isWellFormed(["Token": "1"]))
    }
}
