import Crypto
import Foundation
import TesseraCrypto

/// HMAC-SHA256 under one of the root-derived keys (``AuthKeys``) over text parts joined by NUL bytes: the stored
/// form of short secrets (recovery codes, reset codes) and of identifiers kept without their value (the email
/// address the reset-request limit counts by).
enum KeyedDigest {
    /// HMAC-SHA256(key, part₀ ‖ 0x00 ‖ part₁ ‖ …).
    static func of(_ parts: [String], key: SecretBytes) -> [UInt8] {
        let symmetricKey = key.withUnsafeBytes { SymmetricKey(data: $0) }
        var message: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { message.append(0) }
            message.append(contentsOf: part.utf8)
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
    }
}
