import Foundation
import Synchronization

/// A long-lived, thread-safe holder of the current ``Keyring`` that seals, opens and re-wraps with it.
///
/// The server keeps one `EnvelopeCipher`. Each operation takes a snapshot of the keyring under a `Mutex` and
/// works on the snapshot outside the lock, so a rotation done elsewhere (another replica, the CLI) is picked up
/// by loading the versions from the database and calling ``replaceKeyring(_:)``: calls already running finish
/// with the keyring they started with, later calls see the new one, and nothing ever sees half a keyring.
public final class EnvelopeCipher: Sendable {
    private let current: Mutex<Keyring>

    /// Creates a cipher around a keyring.
    ///
    /// - Parameter keyring: The initial keyring.
    public init(keyring: Keyring) {
        self.current = Mutex(keyring)
    }

    /// A snapshot of the current keyring.
    public var keyring: Keyring {
        current.withLock { $0 }
    }

    /// Swaps in a new keyring atomically.
    ///
    /// - Parameter keyring: The keyring to use from now on.
    public func replaceKeyring(_ keyring: Keyring) {
        current.withLock { $0 = keyring }
    }

    /// Changes the keyring atomically (read, modify, write under the lock), e.g. `try cipher.update { try
    /// $0.rotate() }`. On a throw the keyring is left as it was.
    ///
    /// - Parameter body: Modifies a copy of the keyring; the copy is stored only if `body` returns.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    @discardableResult
    public func update<Result: Sendable>(_ body: (inout Keyring) throws -> Result) throws -> Result {
        try current.withLock { stored in
            var copy = stored
            let result = try body(&copy)
            stored = copy
            return result
        }
    }

    /// Seals a secret with the current keyring; see ``Keyring/seal(_:context:)``.
    ///
    /// - Parameters:
    ///   - plaintext: The secret, at most 64 KiB.
    ///   - context: The caller's context.
    /// - Returns: The envelope.
    /// - Throws: `CryptoError(.invalidParameter)` when the plaintext is too long.
    public func seal(_ plaintext: some ContiguousBytes, context: EncryptionContext) throws -> SealedEnvelope {
        try keyring.seal(plaintext, context: context)
    }

    /// Opens a serialized envelope with the current keyring; see ``Keyring/open(serialized:context:)``.
    ///
    /// - Parameters:
    ///   - serialized: The envelope's bytes.
    ///   - context: The context it was sealed with.
    /// - Returns: The secret.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure.
    public func open(serialized: some Collection<UInt8>, context: EncryptionContext) throws -> SecretBytes {
        try keyring.open(serialized: serialized, context: context)
    }

    /// Opens an envelope with the current keyring; see ``Keyring/open(_:context:)``.
    ///
    /// - Parameters:
    ///   - envelope: The envelope.
    ///   - context: The context it was sealed with.
    /// - Returns: The secret.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure.
    public func open(_ envelope: SealedEnvelope, context: EncryptionContext) throws -> SecretBytes {
        try keyring.open(envelope, context: context)
    }

    /// Opens a secret stored as two parts with the current keyring.
    ///
    /// - Parameters:
    ///   - wrappedKey: The wrapped DEK.
    ///   - payload: The payload.
    ///   - context: The context both were sealed with.
    /// - Returns: The secret.
    /// - Throws: ``CryptoError/authenticationFailure`` for every failure.
    public func open(wrappedKey: WrappedKey, payload: SealedPayload, context: EncryptionContext) throws -> SecretBytes {
        try keyring.open(wrappedKey: wrappedKey, payload: payload, context: context)
    }

    /// Re-wraps a DEK under the current active version; see ``Keyring/rewrap(_:context:)``.
    ///
    /// - Parameters:
    ///   - wrapped: The wrapped DEK.
    ///   - context: The context it was sealed with.
    /// - Returns: The DEK wrapped under the active version.
    /// - Throws: ``CryptoError/authenticationFailure`` when the wrapped key does not open.
    public func rewrap(_ wrapped: WrappedKey, context: EncryptionContext) throws -> WrappedKey {
        try keyring.rewrap(wrapped, context: context)
    }
}
