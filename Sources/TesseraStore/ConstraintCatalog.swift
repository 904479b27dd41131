/// Maps the schema's constraint names (the same in every backend) to typed error codes.
///
/// Backends report a violated constraint by name (PostgreSQL) or by `table.column` (SQLite); both are translated
/// here so callers only ever see a ``StoreError/Code``.
public enum ConstraintCatalog {
    /// The error code for a violated unique constraint or unique index named `name`.
    public static func uniqueViolation(constraint name: String) -> StoreError.Code {
        switch name {
        case "users_email_key": .duplicateEmail
        case "sessions_refresh_token_hash_key": .duplicateRefreshToken
        case "invitations_code_hash_key": .duplicateInvitationCode
        case "password_resets_token_hash_key": .duplicateResetToken
        case "user_providers_user_id_provider_type_key": .duplicateProvider
        case "recovery_codes_user_id_code_hash_key": .duplicateRecoveryCode
        case "keyring_versions_pkey": .duplicateKeyVersion
        case _ where name.hasSuffix("_pkey"): .duplicateID
        default: .uniqueViolation
        }
    }
}
