import Crypto
import Foundation
import TesseraCrypto

extension CryptoBenchmarks {
    /// Seal and open of a 64-byte secret per second, beside the bare AES-256-GCM work they contain
    /// (a fresh 256-bit key, one seal of 64 bytes and one seal of the 32-byte key) done directly with swift-crypto.
    static func envelopeRates(duration: Duration) throws -> [BenchReport.Row] {
        let cipher = EnvelopeCipher(keyring: try Keyring.generate())
        let context = try EncryptionContext(["user_id": "42", "provider": "openai"])
        let secret = SecureRandom.bytes(count: 64)

        let sealRate = try rate(duration) { _ = try cipher.seal(secret, context: context) }
        let rawSealRate = try rate(duration) { try rawSeal(secret) }

        let sealed = try cipher.seal(secret, context: context).serialized
        let openRate = try rate(duration) { _ = try cipher.open(serialized: sealed, context: context) }
        let master = SymmetricKey(size: .bits256)
        let (rawWrapped, rawBox) = try rawSealed(secret, master: master)
        let rawOpenRate = try rate(duration) { try rawOpen(rawWrapped, rawBox, master: master) }

        return [
            .init(
                name: "Envelope seal, 64-byte secret, 1 core", value: sealRate, unit: "op/s", baseline: rawSealRate,
                baselineName: "new key + 2× AES.GCM.seal (swift-crypto) with no format, context or keyring"
            ),
            .init(
                name: "Envelope open, 64-byte secret, 1 core", value: openRate, unit: "op/s", baseline: rawOpenRate,
                baselineName: "2× AES.GCM.open (swift-crypto) with no format, context or keyring"
            ),
        ]
    }

    /// Runs `body` repeatedly on this thread for `duration` and returns calls per second.
    static func rate(_ duration: Duration, _ body: () throws -> Void) throws -> Double {
        let started = ContinuousClock.now
        let deadline = started + duration
        var done = 0
        while ContinuousClock.now < deadline {
            // Check the clock once per batch so reading it does not weigh on fast operations.
            for _ in 0..<64 { try body() }
            done += 64
        }
        return Double(done) / seconds(ContinuousClock.now - started)
    }

    private static func rawSeal(_ secret: [UInt8]) throws {
        _ = try rawSealed(secret, master: SymmetricKey(size: .bits256))
    }

    private static func rawSealed(_ secret: [UInt8], master: SymmetricKey) throws -> (Data, Data) {
        let dek = SymmetricKey(size: .bits256)
        let box = try AES.GCM.seal(secret, using: dek)
        let wrapped = try dek.withUnsafeBytes { try AES.GCM.seal(Data($0), using: master) }
        return (wrapped.combined ?? Data(), box.combined ?? Data())
    }

    private static func rawOpen(_ wrapped: Data, _ box: Data, master: SymmetricKey) throws {
        let dek = try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: master)
        _ = try AES.GCM.open(AES.GCM.SealedBox(combined: box), using: SymmetricKey(data: dek))
    }
}
