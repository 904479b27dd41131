/// What an opaque token is for; the kind is spelled out in the token's readable prefix.
///
/// Prefixes are distinctive (`tsr_`, `tsi_`, `tsp_`, `tsc_`, `tsm_`, `tsv_`) so secret scanners can recognise a leaked Tessera
/// token, and so a token of one kind is never accepted where another is expected. See `docs/tokens.md`.
public enum TokenKind: String, Sendable, Hashable, CaseIterable {
    /// A session refresh token (`auth.sessions.refresh_token_hash`).
    case refresh
    /// An invitation code (`auth.invitations.code_hash`).
    case invitation
    /// A password reset token (`auth.password_resets.token_hash`).
    case passwordReset
    /// A caller credential presented as `Bearer` in call metadata.
    case caller
    /// A second-factor challenge: a password was accepted, the TOTP or recovery code is still due
    /// (`auth.mfa_challenges.challenge_hash`).
    case mfaChallenge
    /// An email verification token (`auth.email_verifications.token_hash`).
    case emailVerification

    /// The readable prefix, including the trailing underscore.
    public var prefix: String {
        switch self {
        case .refresh: "tsr_"
        case .invitation: "tsi_"
        case .passwordReset: "tsp_"
        case .caller: "tsc_"
        case .mfaChallenge: "tsm_"
        case .emailVerification: "tsv_"
        }
    }

    /// The kind whose prefix starts `token`, if any.
    ///
    /// - Parameter token: A token string (only its first four characters are looked at).
    public init?(prefixOf token: String) {
        guard let kind = Self.allCases.first(where: { token.utf8.starts(with: $0.prefix.utf8) }) else { return nil }
        self = kind
    }
}
