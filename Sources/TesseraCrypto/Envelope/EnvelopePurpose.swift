/// What a sealed secret is for, bound into its associated data by the crypto layer so that a secret sealed for
/// one purpose never opens as another.
///
/// A caller's ``EncryptionContext`` may not use keys under ``EncryptionContext/reservedKeyPrefix`` (`tessera.`):
/// those belong to the purposes. Every purpose other than ``general`` adds one reserved entry,
/// `tessera.purpose = <label>`, to the canonical encoding, so the associated data of a TOTP secret always holds
/// an entry that no caller-built context can hold, and the two sets of associated data cannot meet. The entry is
/// encoded like any other (sorted in by its key bytes), which keeps envelopes sealed before the purposes were
/// typed (when `Totp/Generate` added the entry itself) opening unchanged; `docs/envelope-format.md` has the bytes.
///
/// A purpose is chosen by code, never by a request: `Secrets/*` seal and open only ``general`` secrets, the TOTP
/// services only ``totpSecret`` ones.
public struct EnvelopePurpose: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case general
        case totpSecret
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// A caller's secret with a caller-chosen context (`Secrets/*`, provider API keys): no reserved entry.
    public static let general = EnvelopePurpose(.general)

    /// A TOTP seed (`Totp/*`, `auth.users.totp_secret`).
    public static let totpSecret = EnvelopePurpose(.totpSecret)

    /// The key of the reserved entry a purpose adds.
    static let entryKey = "tessera.purpose"

    /// The value of the reserved entry, or `nil` for ``general``, which adds none.
    var entryValue: String? {
        switch kind {
        case .general: return nil
        case .totpSecret: return "totp-secret"
        }
    }

    /// The purpose's name, e.g. `totp-secret`.
    public var description: String {
        entryValue ?? "general"
    }
}
