import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraStore
import Testing

/// The canonical form is exactly the documented bytes, and its hash and HMAC match an independent computation.
@Suite("Audit canonical form")
struct AuditCanonicalFormTests {
    @Test("Canonical bytes follow docs/audit.md field by field")
    func layout() throws {
        let actor = try #require(UUID(uuidString: "00112233-4455-6677-8899-aabbccddeeff"))
        let bytes = AuditCanonicalForm.bytes(
            id: 2, timestamp: Date(timeIntervalSince1970: 1.5), entity: "keyring", action: "keyring.rotated",
            actorID: actor, payload: ["version": "2", "outcome": "succeeded"],
            previousHash: [UInt8](repeating: 0xab, count: 32)
        )
        var expected: [UInt8] = [1]
        expected += [0, 0, 0, 0, 0, 0, 0, 2]
        expected += [0, 0, 0, 0, 0, 0, 0x05, 0xdc]  // 1500 ms
        expected += [0, 0, 0, 7] + Array("keyring".utf8)
        expected += [0, 0, 0, 15] + Array("keyring.rotated".utf8)
        expected +=
            [0, 0, 0, 16] + [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
            ]
        let json = Array(#"{"outcome":"succeeded","version":"2"}"#.utf8)
        expected += [0, 0, 0, UInt8(json.count)] + json
        expected += [0, 0, 0, 32] + [UInt8](repeating: 0xab, count: 32)
        #expect(bytes == expected)
        #expect(
            AuditCanonicalForm.canonicalJSON(["b": "\"q\\", "a": "\n"]) == Array(#"{"a":"\u000a","b":"\"q\\"}"#.utf8))
    }

    /// Expected values from Python: `hashlib.sha256(c)` and `hmac.new(b"\x0b" * 32, c, hashlib.sha256)` over the
    /// canonical bytes `c` built by hand with `struct.pack` as in docs/audit.md.
    @Test("Hash and HMAC match Python's hashlib/hmac for the same canonical bytes")
    func knownAnswer() throws {
        let key = AuditSigningKey(material: SecretBytes(copying: [UInt8](repeating: 0x0b, count: 32)))
        let draft = AuditEntryDraft(
            entity: "user", action: "login.succeeded", payload: ["outcome": "succeeded"],
            timestamp: Date(timeIntervalSince1970: 1_800_000_000)
        )
        let seal = AuditCanonicalForm.seal(
            draft, link: AuditChainLink(id: 1, previousHash: AuditCanonicalForm.genesisHash), key: key
        )
        #expect(hex(seal.entryHash) == "acd6029f42bcccdff146ccf5a9b98d30c553f2703a68dfbaee43b4ce4625a4bf")
        #expect(hex(seal.signature) == "ed51b43006e6aadef8a67e29b615b1fa72f278672c0a38622d55545965110e52")
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
