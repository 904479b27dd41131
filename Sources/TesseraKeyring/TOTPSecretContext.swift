import Foundation
import TesseraCrypto

/// The encryption context of a user's stored TOTP secret (`auth.users.totp_secret`, a sealed envelope): the
/// convention the stateful services seal with and the keyring re-wraps with, so both must build it here.
///
/// The context is `{"user_id": <user id, lowercase UUID>}` with the purpose ``EnvelopePurpose/totpSecret``, which
/// the crypto layer binds as the reserved entry `tessera.purpose = totp-secret` (the one `Totp/Generate` seals
/// with, so a TOTP secret never opens through `Secrets/Open`); the user id stops a secret copied to another user's
/// row from opening.
public enum TOTPSecretContext {
    /// Builds the context for a user's TOTP secret.
    ///
    /// - Parameter userID: The user.
    /// - Returns: The context.
    /// - Throws: Never in practice (the entries are always valid); `CryptoError` otherwise.
    public static func make(userID: UUID) throws -> EncryptionContext {
        try EncryptionContext(entries: [("user_id", userID.uuidString.lowercased())], purpose: .totpSecret)
    }
}
