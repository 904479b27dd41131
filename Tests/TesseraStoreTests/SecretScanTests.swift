import Foundation
import TesseraCrypto
import TesseraStore
import Testing

/// No secret reaches the database in clear: after a scripted session with real crypto, every text-like and binary
/// column of every table (enumerated from the catalog) is searched for every secret the session used, raw and in
/// common encodings. Forms of 4 bytes or fewer are not searched (see ``ScannedSecret/needles``), because
/// `key_last_4_chars` holds the last 4 characters of an API key by design.
@Suite("No secret reaches the database in clear")
struct SecretScanTests {
    @Test("every text and binary column is free of the session's secrets", arguments: StoreBackend.allCases)
    func scan(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let canary = try await Self.plantCanaries(in: store)
            let secrets = try await SecretScanSession.run(on: store)
            let database = try await SecretScanDatabase.read(store)

            // The scan covers the tables the session wrote to (enumerated from the catalog, not listed here).
            let scanned = Set(database.columns)
            for column in Self.expectedColumns(backend) {
                #expect(scanned.contains(column), "column \(column) was not scanned")
            }

            // The scanner works: each canary, planted in a binary, a text and a JSON column, is found where it was
            // planted and in the form it was planted in.
            let found = database.occurrences(of: canary.secret)
            for (form, column) in canary.planted(backend) {
                #expect(
                    found.contains { $0.form == form && $0.column == column }, "canary (\(form)) not found in \(column)"
                )
            }

            #expect(secrets.count >= 30)
            for secret in secrets {
                let found = database.occurrences(of: secret)
                #expect(found.isEmpty, "\(secret.label) found: \(found.map { "\($0.form) in \($0.column)" })")
            }
        }
    }

    /// A random marker written into a bytea/blob column raw, a text column as hex, and a JSON column as base64.
    struct Canary {
        let secret: ScannedSecret

        /// `(form, column)` where the canary was planted.
        func planted(_ backend: StoreBackend) -> [(String, String)] {
            switch backend {
            case .postgres:
                [
                    ("raw", "auth.sessions.refresh_token_hash"), ("hex", "auth.users.email"),
                    ("base64", "auth.sessions.device_info"),
                ]
            case .sqlite:
                [
                    ("raw", "auth_sessions.refresh_token_hash"), ("hex", "auth_users.email"),
                    ("base64", "auth_sessions.device_info"),
                ]
            }
        }
    }

    private static func plantCanaries(in store: any TesseraStore) async throws -> Canary {
        let bytes = SecureRandom.bytes(count: 24)
        let secret = ScannedSecret("canary", bytes: bytes)
        let hex = String(decoding: try #require(secret.needles.first { $0.form == "hex" }).bytes, as: UTF8.self)
        let user = UserRecord(email: "canary-\(hex)@example.com", passwordHash: "not-a-hash", createdAt: Clock.now)
        try await store.createUser(user)
        try await store.createSession(
            SessionRecord(
                userID: user.id, refreshTokenHash: bytes, expiresAt: Clock.later(60),
                deviceInfo: ["note": Data(bytes).base64EncodedString()], createdAt: Clock.now
            )
        )
        return Canary(secret: secret)
    }

    /// Columns that hold sealed or hashed secrets: the scan must reach each of them.
    private static func expectedColumns(_ backend: StoreBackend) -> [String] {
        let columns = [
            "auth.users.password_hash", "auth.users.totp_secret", "auth.sessions.refresh_token_hash",
            "auth.invitations.code_hash", "auth.password_resets.token_hash",
            "providers.user_providers.encrypted_api_key",
            "providers.user_providers.encrypted_dek", "providers.user_providers.key_last_4_chars",
            "tessera.keyring_versions.wrapped_key", "tessera.recovery_codes.code_hash", "audits.audit_log.payload",
            "audits.audit_log.signature",
        ]
        switch backend {
        case .postgres:
            return columns
        case .sqlite:
            return columns.map { column in
                var parts = column.split(separator: ".").map(String.init)
                return parts.count == 3 ? "\(parts.removeFirst())_\(parts[0]).\(parts[1])" : column
            }
        }
    }
}
