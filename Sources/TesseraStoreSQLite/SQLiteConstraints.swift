import TesseraStore

/// Maps SQLite's unique-violation messages (`UNIQUE constraint failed: auth_users.email`) to the schema's
/// constraint names, so both backends report the same ``StoreError/Code``.
///
/// The message names only tables and columns (never values), and is read here only; it never reaches a caller.
enum SQLiteConstraints {
    private static let columnsToConstraint: [String: String] = [
        "auth_users.email": "users_email_key",
        "auth_sessions.refresh_token_hash": "sessions_refresh_token_hash_key",
        "auth_invitations.code_hash": "invitations_code_hash_key",
        "auth_password_resets.token_hash": "password_resets_token_hash_key",
        "providers_user_providers.user_id, providers_user_providers.provider_type":
            "user_providers_user_id_provider_type_key",
        "tessera_recovery_codes.user_id, tessera_recovery_codes.code_hash": "recovery_codes_user_id_code_hash_key",
        "tessera_keyring_versions.version": "keyring_versions_pkey",
    ]

    static func uniqueViolation(message: String) -> StoreError.Code {
        guard let range = message.range(of: "constraint failed: ") else { return .uniqueViolation }
        let columns = String(message[range.upperBound...])
        if let constraint = Self.columnsToConstraint[columns] {
            return ConstraintCatalog.uniqueViolation(constraint: constraint)
        }
        if columns.hasSuffix(".id") && !columns.contains(",") {
            return .duplicateID
        }
        return .uniqueViolation
    }
}
