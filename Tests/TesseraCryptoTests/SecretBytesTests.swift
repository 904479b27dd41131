import Testing

@testable import TesseraCrypto

@Suite("Secret memory")
struct SecretBytesTests {
    @Test("description, debugDescription and dump never show the bytes")
    func redacted() {
        let secret = SecretBytes(copying: Array("hunter2-very-secret".utf8))
        for text in [secret.description, secret.debugDescription, String(describing: secret), "\(secret)"] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("104"))  // 'h' as a decimal byte
            #expect(text.contains("redacted"))
        }
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(!dumped.contains("104"))
    }

    @Test("equality is by content")
    func equality() {
        let a = SecretBytes(copying: [1, 2, 3])
        #expect(a == SecretBytes(copying: [1, 2, 3]))
        #expect(a != SecretBytes(copying: [1, 2, 4]))
        #expect(a != SecretBytes(copying: [1, 2]))
        #expect(SecretBytes(copying: []) == SecretBytes(copying: []))
    }

    @Test("init(zeroing:) wipes the source array")
    func zeroingInit() {
        var source: [UInt8] = [9, 8, 7, 6]
        let secret = SecretBytes(zeroing: &source)
        #expect(source == [0, 0, 0, 0])
        #expect(secret.withUnsafeBytes { Array($0) } == [9, 8, 7, 6])
    }

    @Test("random keys differ and locked storage still reads back")
    func randomAndLocked() {
        let a = SecretBytes.random(count: 32, locked: true)
        let b = SecretBytes.random(count: 32, locked: true)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(a.withUnsafeBytes { Array($0) } != [UInt8](repeating: 0, count: 32))
    }

    @Test("constant-time compare of collections")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!ConstantTime.equals("123456", "123457"))
        #expect(ConstantTime.equals(ArraySlice<UInt8>([0, 1, 2])[1...], [1, 2] as [UInt8]))
    }
}
