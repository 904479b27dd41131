import Foundation

extension RootKey {
    /// The HKDF purpose of the key that wraps master key versions.
    public static let masterKeyWrappingPurpose = "tessera.keyring.wrap.v1"
    /// The label at the start of the wrapping's associated data.
    static let wrappingLabel = Array("tessera.keyring.master-key.v1".utf8)
    /// The format byte of a wrapped master key.
    static let wrappedFormat: UInt8 = 1
    /// The length of a wrapped master key: format, nonce, encrypted key, tag.
    public static let wrappedMasterKeyByteCount =
        1 + EnvelopeFormat.nonceByteCount + EnvelopeFormat.keyByteCount + EnvelopeFormat.tagByteCount

    /// Wraps a master key version for `tessera.keyring_versions.wrapped_key`.
    ///
    /// AES-256-GCM with a random 96-bit nonce, under the purpose key ``masterKeyWrappingPurpose`` of a key in
    /// memory, or inside the device under the device's key; the associated data is
    /// `tessera.keyring.master-key.v1 ‖ 0x00 ‖ u32be(version)`, so a wrapped key moved to another version number
    /// does not open. Layout: `0x01 ‖ nonce(12) ‖ encrypted key(32) ‖ tag(16)` (61 bytes).
    ///
    /// - Parameter key: A version with material (not retired).
    /// - Returns: The wrapped bytes.
    /// - Throws: `CryptoError(.keyringState)` for a retired key without material; what the device throws.
    public func wrapMasterKey(_ key: MasterKey) throws -> [UInt8] {
        guard key.material.count == EnvelopeFormat.keyByteCount else {
            throw CryptoError(.keyringState, "a retired master key version has no material to wrap")
        }
        return try seal(key.material, aad: Self.wrappingAAD(version: key.version))
    }

    /// Unwraps a stored master key version.
    ///
    /// - Parameters:
    ///   - wrapped: The bytes made by ``wrapMasterKey(_:)``.
    ///   - version: The version number it is stored under (bound as associated data).
    ///   - state: The state to give the key.
    /// - Returns: The master key, in locked memory.
    /// - Throws: ``CryptoError/authenticationFailure`` when the bytes do not open under this root key (a wrong
    ///   root key, tampering, or a version number that does not match); what the device throws.
    public func unwrapMasterKey(_ wrapped: [UInt8], version: UInt32, state: MasterKey.State) throws -> MasterKey {
        let material = try open(wrapped, aad: Self.wrappingAAD(version: version))
        return try MasterKey(version: version, material: material, state: state)
    }

    /// AES-256-GCM under the root key's wrapping key: `0x01 ‖ nonce ‖ ciphertext ‖ tag`.
    func seal(_ secret: SecretBytes, aad: [UInt8]) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(count: EnvelopeFormat.nonceByteCount)
        switch backing {
        case .material(let material):
            let sealed = try AESGCM256.seal(
                secret, key: Self.hkdf(material, purpose: Self.masterKeyWrappingPurpose), nonce: nonce, aad: aad
            )
            return [Self.wrappedFormat] + nonce + sealed.ciphertext + sealed.tag
        case .device(let device):
            let sealed = try device.sealAESGCM(secret, nonce: nonce, aad: aad)
            guard sealed.count == secret.count + EnvelopeFormat.tagByteCount else {
                throw CryptoError(.internalFailure, "the root key device \(origin) returned a malformed ciphertext")
            }
            return [Self.wrappedFormat] + nonce + sealed
        }
    }

    /// Opens what ``seal(_:aad:)`` made; any failure to authenticate is the one opaque error.
    func open(_ wrapped: [UInt8], aad: [UInt8]) throws -> SecretBytes {
        guard wrapped.count == Self.wrappedMasterKeyByteCount, wrapped.first == Self.wrappedFormat else {
            throw CryptoError.authenticationFailure
        }
        let nonceEnd = 1 + EnvelopeFormat.nonceByteCount
        let keyEnd = nonceEnd + EnvelopeFormat.keyByteCount
        let nonce = Array(wrapped[1..<nonceEnd])
        switch backing {
        case .material(let material):
            return try AESGCM256.open(
                ciphertext: Array(wrapped[nonceEnd..<keyEnd]),
                tag: Array(wrapped[keyEnd...]),
                key: Self.hkdf(material, purpose: Self.masterKeyWrappingPurpose),
                nonce: nonce,
                aad: aad
            )
        case .device(let device):
            return try device.openAESGCM(Array(wrapped[nonceEnd...]), nonce: nonce, aad: aad)
        }
    }

    static func wrappingAAD(version: UInt32) -> [UInt8] {
        var aad = wrappingLabel
        aad.append(0)
        EnvelopeFormat.appendBigEndian(version, to: &aad)
        return aad
    }
}
