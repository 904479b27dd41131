import Foundation

/// Envelope encryption with the keyring's master keys: seal, open and re-wrap.
extension Keyring {
    /// Seals a secret: a fresh random 256-bit data key (DEK) encrypts it with AES-256-GCM, and the active master
    /// key wraps the DEK. Both encryptions use their own random 96-bit nonce and bind `context`.
    ///
    /// - Parameters:
    ///   - plaintext: The secret, at most 64 KiB (e.g. ``SecretBytes``, or `[UInt8]`).
    ///   - context: The caller's context; the same context is needed to open.
    /// - Returns: The envelope; store ``SealedEnvelope/serialized``, or its two parts in separate columns.
    /// - Throws: `CryptoError(.invalidParameter)` when the plaintext is longer than 64 KiB.
    public func seal(_ plaintext: some ContiguousBytes, context: EncryptionContext) throws -> SealedEnvelope {
        try seal(
            plaintext,
            context: context,
            dek: .random(count: EnvelopeFormat.keyByteCount),
            wrapNonce: SecureRandom.bytes(count: EnvelopeFormat.nonceByteCount),
            payloadNonce: SecureRandom.bytes(count: EnvelopeFormat.nonceByteCount)
        )
    }

    /// Seals with a given DEK and nonces: only for known-answer tests and the documented worked example.
    func seal(
        _ plaintext: some ContiguousBytes,
        context: EncryptionContext,
        dek: SecretBytes,
        wrapNonce: [UInt8],
        payloadNonce: [UInt8]
    ) throws -> SealedEnvelope {
        let length = plaintext.withUnsafeBytes { $0.count }
        guard length <= EnvelopeFormat.maxPlaintextByteCount else {
            throw CryptoError(.invalidParameter, "a sealed secret may be at most 64 KiB")
        }
        let payload = try AESGCM256.seal(
            plaintext,
            key: dek,
            nonce: payloadNonce,
            aad: EnvelopeFormat.payloadAAD(context: context)
        )
        let wrappedKey = try wrap(dek, context: context, nonce: wrapNonce)
        return SealedEnvelope(
            wrappedKey: wrappedKey,
            payload: SealedPayload(nonce: payloadNonce, ciphertext: payload.ciphertext, tag: payload.tag)
        )
    }

    /// Opens a sealed envelope with whichever retained (active or decrypt-only) master key version wrapped it.
    ///
    /// - Parameters:
    ///   - envelope: The envelope.
    ///   - context: The context it was sealed with (entries in any order).
    /// - Returns: The secret, in memory that is zeroed when released.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure: tampering, a different context, an
    ///   unknown or retired master key version. The error says nothing about which.
    public func open(_ envelope: SealedEnvelope, context: EncryptionContext) throws -> SecretBytes {
        try open(wrappedKey: envelope.wrappedKey, payload: envelope.payload, context: context)
    }

    /// Opens the serialized form of a ``SealedEnvelope``.
    ///
    /// - Parameters:
    ///   - serialized: The envelope's bytes.
    ///   - context: The context it was sealed with.
    /// - Returns: The secret.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure, including bytes that are not an
    ///   envelope at all.
    public func open(serialized: some Collection<UInt8>, context: EncryptionContext) throws -> SecretBytes {
        let envelope: SealedEnvelope
        do {
            envelope = try SealedEnvelope(serialized: serialized)
        } catch {
            throw CryptoError.authenticationFailure
        }
        return try open(envelope, context: context)
    }

    /// Opens a secret stored as two parts (`encrypted_dek` and `encrypted_api_key`).
    ///
    /// - Parameters:
    ///   - wrappedKey: The wrapped DEK.
    ///   - payload: The payload sealed under that DEK.
    ///   - context: The context both were sealed with.
    /// - Returns: The secret.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure.
    public func open(wrappedKey: WrappedKey, payload: SealedPayload, context: EncryptionContext) throws -> SecretBytes {
        let dek = try unwrap(wrappedKey, context: context)
        return try AESGCM256.open(
            ciphertext: payload.ciphertext,
            tag: payload.tag,
            key: dek,
            nonce: payload.nonce,
            aad: EnvelopeFormat.payloadAAD(context: context)
        )
    }

    /// Re-wraps a data key under the active master key version without touching the payload it protects.
    ///
    /// The DEK is unwrapped with its recorded version (active or decrypt-only) and wrapped again, with a new
    /// random nonce, under the active version; the payload's bytes stay valid as they are. A key already wrapped
    /// by the active version is checked and returned unchanged.
    ///
    /// - Parameters:
    ///   - wrapped: The wrapped DEK.
    ///   - context: The context it was sealed with.
    /// - Returns: The DEK wrapped under ``activeVersion``.
    /// - Throws: ``CryptoError/authenticationFailure`` when the wrapped key does not open.
    public func rewrap(_ wrapped: WrappedKey, context: EncryptionContext) throws -> WrappedKey {
        let dek = try unwrap(wrapped, context: context)
        if wrapped.masterKeyVersion == activeVersion {
            return wrapped
        }
        return try wrap(dek, context: context, nonce: SecureRandom.bytes(count: EnvelopeFormat.nonceByteCount))
    }

    /// Whether `wrapped` was made by a version other than the active one, i.e. a rewrap would change it.
    ///
    /// - Parameter wrapped: The wrapped DEK.
    public func needsRewrap(_ wrapped: WrappedKey) -> Bool {
        wrapped.masterKeyVersion != activeVersion
    }

    private func wrap(_ dek: SecretBytes, context: EncryptionContext, nonce: [UInt8]) throws -> WrappedKey {
        let master = activeKey
        master.wraps.increment()
        let sealed = try AESGCM256.seal(
            dek,
            key: master.material,
            nonce: nonce,
            aad: EnvelopeFormat.wrapAAD(masterKeyVersion: master.version, context: context)
        )
        return WrappedKey(
            masterKeyVersion: master.version,
            nonce: nonce,
            encryptedKey: sealed.ciphertext,
            tag: sealed.tag
        )
    }

    private func unwrap(_ wrapped: WrappedKey, context: EncryptionContext) throws -> SecretBytes {
        guard wrapped.formatVersion == EnvelopeFormat.version,
            let master = unwrappingKey(version: wrapped.masterKeyVersion)
        else {
            throw CryptoError.authenticationFailure
        }
        let dek = try AESGCM256.open(
            ciphertext: wrapped.encryptedKey,
            tag: wrapped.tag,
            key: master.material,
            nonce: wrapped.nonce,
            aad: EnvelopeFormat.wrapAAD(masterKeyVersion: wrapped.masterKeyVersion, context: context)
        )
        guard dek.count == EnvelopeFormat.keyByteCount else { throw CryptoError.authenticationFailure }
        return dek
    }
}
