import Crypto
import Foundation
import TesseraAudit
import TesseraAuth
import TesseraCrypto
import TesseraStore
import Testing

/// A scripted session of store operations done the way the service will do them, with real crypto: Argon2id PHC
/// hashes of passwords, secrets sealed with ``EnvelopeCipher``, token digests of ``OpaqueToken``s, master keys
/// wrapped under a root key. It returns every secret it used, for the scan.
enum SecretScanSession {
    /// Argon2id PHC strings of `passwords` (each checked to verify), with a fast policy: the scan is about what is
    /// stored, not about the cost.
    static func hashes(of passwords: [String]) async throws -> [String] {
        let configuration = PasswordHasher.Configuration(
            policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 1
        )
        return try await PasswordHasher.withHasher(configuration: configuration) { hasher in
            var hashes: [String] = []
            for password in passwords {
                let phc = try await hasher.hash(password)
                #expect(try await hasher.verify(password, against: phc).isValid)
                hashes.append(phc)
            }
            return hashes
        }
    }

    /// Runs the session against `store` and returns the secrets it used.
    static func run(on store: any TesseraStore) async throws -> [ScannedSecret] {
        var secrets: [ScannedSecret] = []
        let now = Clock.now

        // Keyring: a root key wraps the master key versions; the master keys seal the data keys.
        let root = try Keyring.generate()
        let rootCipher = EnvelopeCipher(keyring: root)
        secrets.append(ScannedSecret("root key", secret: root.activeKey.material))
        let firstMaster = try MasterKey.generate(version: 1)
        let secondMaster = try MasterKey.generate(version: 2)
        for master in [firstMaster, secondMaster] {
            secrets.append(ScannedSecret("master key v\(master.version)", secret: master.material))
            let wrapped = try master.material.withUnsafeBytes { material in
                try rootCipher.seal(
                    Array(material), context: try EncryptionContext(["master_key_version": "\(master.version)"])
                ).serialized
            }
            try await store.insertMasterKeyVersion(
                MasterKeyVersionRecord(version: Int(master.version), wrappedKey: wrapped, createdAt: now)
            )
        }
        let cipher = EnvelopeCipher(keyring: try Keyring(keys: [firstMaster]))

        // Users with Argon2id hashes of known passwords; one of them enrolled in TOTP with a sealed secret.
        let passwords = [
            "correct horse battery staple", "Tr0ub4dor&3 is not a good password", "pässwörd with ünïcode 🔑",
        ]
        var users: [UserRecord] = []
        for (index, (password, phc)) in zip(passwords, try await Self.hashes(of: passwords)).enumerated() {
            secrets.append(ScannedSecret("password \(index)", text: password))
            let user = UserRecord(
                email: "scan-\(index)-\(UUID().uuidString.lowercased())@example.com",
                passwordHash: phc, createdAt: now)
            try await store.createUser(user)
            users.append(user)
        }
        var enrolled = users[0]
        let totp = try TOTPSecret.generate()
        secrets.append(ScannedSecret("TOTP secret", secret: totp.bytes))
        secrets.append(ScannedSecret("TOTP secret (base32)", text: totp.revealBase32()))
        enrolled.sealedTOTPSecret = try totp.bytes.withUnsafeBytes { bytes in
            try cipher.seal(
                Array(bytes), context: try EncryptionContext(["user_id": enrolled.id.uuidString, "purpose": "totp"])
            ).serialized
        }
        enrolled.verified = true
        try await store.updateUser(enrolled)
        #expect(try await store.acceptTOTPStep(userID: enrolled.id, step: 59_999_999))
        _ = try await store.recordFailedLogin(
            userID: users[1].id, now: now, lockThreshold: 5, lockDuration: .seconds(900)
        )
        try await store.recordSuccessfulLogin(userID: enrolled.id, now: now)

        // Recovery codes, stored as SHA-256 hashes.
        let codes = (0..<8).map { _ in Base32.encode(SecureRandom.bytes(count: 10)) }
        for (index, code) in codes.enumerated() {
            secrets.append(ScannedSecret("recovery code \(index)", text: code))
        }
        let codeHashes = codes.map { Array(SHA256.hash(data: Array($0.utf8))) }
        try await store.replaceRecoveryCodes(userID: enrolled.id, codeHashes: codeHashes, now: now)
        #expect(try await store.consumeRecoveryCode(userID: enrolled.id, codeHash: codeHashes[0], now: now))

        // Provider API keys, sealed: the wrapped data key and the payload are stored apart.
        let apiKeys = [
            ("openai", "sk-proj-" + Base32.encode(SecureRandom.bytes(count: 30))),
            ("anthropic", "sk-ant-api03-" + Base32.encode(SecureRandom.bytes(count: 30))),
        ]
        for (provider, apiKey) in apiKeys {
            secrets.append(ScannedSecret("API key \(provider)", text: apiKey))
            let context = try EncryptionContext(["user_id": users[1].id.uuidString, "provider": provider])
            let sealed = try cipher.seal(Array(apiKey.utf8), context: context)
            try await store.createProviderKey(
                ProviderKeyRecord(
                    userID: users[1].id, providerName: provider.capitalized, providerType: provider,
                    modelName: "model-1", encryptedAPIKey: sealed.payload.serialized,
                    encryptedDEK: sealed.wrappedKey.serialized, keyLast4Chars: String(apiKey.suffix(4)),
                    createdAt: now
                )
            )
            let count = try await store.adjustDEKCount(version: 1, delta: 1)
            #expect(count >= 1)
        }
        // Replace one key, as a user rotating their API key would.
        let replacement = "sk-proj-" + Base32.encode(SecureRandom.bytes(count: 30))
        secrets.append(ScannedSecret("API key openai (replaced)", text: replacement))
        var stored = try #require(try await store.providerKey(userID: users[1].id, providerType: "openai"))
        let resealed = try cipher.seal(
            Array(replacement.utf8),
            context: try EncryptionContext(["user_id": users[1].id.uuidString, "provider": "openai"])
        )
        stored.encryptedAPIKey = resealed.payload.serialized
        stored.encryptedDEK = resealed.wrappedKey.serialized
        stored.keyLast4Chars = String(replacement.suffix(4))
        try await store.updateProviderKey(stored)

        // Sessions: refresh tokens stored as digests, rotated twice, then a replay of the first.
        var tokens = [OpaqueToken.generate(.refresh)]
        try await store.createSession(
            SessionRecord(
                userID: enrolled.id, refreshTokenHash: tokens[0].digest.rawBytes,
                expiresAt: now.addingTimeInterval(86_400), deviceInfo: ["agent": "scan-test"], createdAt: now
            )
        )
        for step in 1...2 {
            let next = OpaqueToken.generate(.refresh)
            let outcome = try await store.rotateRefreshToken(
                oldHash: tokens[step - 1].digest.rawBytes, newHash: next.digest.rawBytes,
                newExpiresAt: now.addingTimeInterval(86_400), now: now.addingTimeInterval(Double(step) * 60),
                graceWindow: .seconds(10)
            )
            guard case .rotated = outcome else {
                Issue.record("rotation \(step) did not rotate")
                return secrets
            }
            tokens.append(next)
        }
        let replay = try await store.rotateRefreshToken(
            oldHash: tokens[0].digest.rawBytes, newHash: OpaqueToken.generate(.refresh).digest.rawBytes,
            newExpiresAt: now.addingTimeInterval(86_400), now: now.addingTimeInterval(600), graceWindow: .seconds(10)
        )
        let family = try #require(try await store.sessions(userID: enrolled.id).first).familyID
        #expect(replay == .reuseDetected(familyID: family))

        // An invitation (redeemed) and a password reset (consumed), by token digest.
        let invitation = OpaqueToken.generate(.invitation)
        try await store.createInvitation(
            InvitationRecord(
                codeHash: invitation.digest.rawBytes, maxUses: 3, expiresAt: now.addingTimeInterval(86_400),
                createdBy: users[0].id, createdAt: now
            )
        )
        _ = try await store.redeemInvitation(codeHash: invitation.digest.rawBytes, now: now)
        let reset = OpaqueToken.generate(.passwordReset)
        try await store.createPasswordReset(
            PasswordResetRecord(
                userID: users[2].id, tokenHash: reset.digest.rawBytes, expiresAt: now.addingTimeInterval(3_600),
                createdAt: now
            )
        )
        _ = try await store.consumePasswordReset(tokenHash: reset.digest.rawBytes, now: now)
        tokens += [invitation, reset]
        for (index, token) in tokens.enumerated() {
            let text = token.reveal()
            secrets.append(ScannedSecret("token \(index)", text: text))
            secrets.append(ScannedSecret("token \(index) body", text: String(text.dropFirst(token.kind.prefix.count))))
        }

        // Audit entries: ids, kinds and outcomes only, sealed with an HMAC under an audit key.
        let auditKey = SymmetricKey(size: .bits256)
        secrets.append(ScannedSecret("audit key", bytes: auditKey.withUnsafeBytes { Array($0) }))
        let payloads: [(String, String, [String: String])] = [
            ("user", "login.succeeded", ["method": "password+totp"]),
            ("session", "refresh.reuse_detected", ["family": users[0].id.uuidString]),
            ("provider_key", "replaced", ["provider": "openai", "key_version": "1"]),
        ]
        for (entity, action, payload) in payloads {
            _ = try await store.appendAuditEntry(
                AuditEntryDraft(entity: entity, action: action, actorID: users[0].id, payload: payload, timestamp: now)
            ) { draft, link in
                var canonical = link.previousHash
                canonical += Array("\(link.id)|\(draft.entity)|\(draft.action)".utf8)
                let hash = Array(SHA256.hash(data: canonical))
                return AuditSeal(
                    entryHash: hash, signature: Array(HMAC<SHA256>.authenticationCode(for: hash, using: auditKey))
                )
            }
        }
        secrets += try await authFlows(on: store)
        secrets += try await providerKeyFlows(on: store, cipher: cipher, user: users[2].id)
        return secrets
    }
}

extension SecretScanSession {
    /// The login flows' part: register, sign in, enrol TOTP, sign in with a TOTP code and with a recovery code,
    /// 50 refreshes, a reuse, a password change. Returns every password, token, secret and code it used.
    static func authFlows(on store: any TesseraStore) async throws -> [ScannedSecret] {
        var secrets: [ScannedSecret] = []
        let configuration = PasswordHasher.Configuration(
            policy: try PasswordPolicy(memoryKiB: 1_024, iterations: 1), workers: 1
        )
        return try await PasswordHasher.withHasher(configuration: configuration) { hasher in
            var policy = AuthPolicy()
            policy.sessions.graceWindow = .zero
            let flows = try await AuthFlows.make(
                store: store, hasher: hasher, cipher: EnvelopeCipher(keyring: try Keyring.generate()),
                audit: AuditLog(store: store, key: AuditSigningKey(material: .random(count: 32))),
                keys: .random(), policy: policy
            )
            let email = "scan-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let password = "scan flows passphrase \(UUID().uuidString)"
            secrets.append(ScannedSecret("flow password", text: password))
            guard case .registered(let id) = try await flows.register(email: email, password: password),
                case .session(let first) = try await flows.authenticate(email: email, password: password)
            else { throw StoreError(.backend, "the scripted sign-in failed") }
            secrets.append(ScannedSecret("first refresh token", text: first.refreshToken.reveal()))

            let start = try await flows.beginTotpEnrolment(userID: id)
            secrets.append(ScannedSecret("TOTP secret (base32)", text: start.enrolment.secret.revealBase32()))
            secrets.append(ScannedSecret("TOTP secret", secret: start.enrolment.secret.bytes))
            secrets.append(ScannedSecret("enrolment token", text: start.enrolmentToken))
            let now = Date()
            guard
                case .done(let codes) = try await flows.confirmTotpEnrolment(
                    userID: id, enrolmentToken: start.enrolmentToken,
                    code: try TOTP.code(for: start.enrolment.secret, at: now)
                )
            else { throw StoreError(.backend, "the scripted enrolment failed") }
            secrets += codes.enumerated().map { ScannedSecret("recovery code \($0.offset)", text: $0.element) }

            guard case .mfaRequired(let challenge, _) = try await flows.authenticate(email: email, password: password),
                case .session(let strong) = try await flows.completeMfa(challenge: challenge.reveal(), code: codes[0])
            else { throw StoreError(.backend, "the scripted MFA sign-in failed") }
            secrets.append(ScannedSecret("MFA challenge", text: challenge.reveal()))
            var token = strong.refreshToken
            for index in 0..<50 {
                guard case .refreshed(let next) = try await flows.refresh(token: token.reveal()) else {
                    throw StoreError(.backend, "the scripted refresh failed")
                }
                secrets.append(ScannedSecret("refresh token \(index)", text: next.refreshToken.reveal()))
                token = next.refreshToken
            }
            // A reuse: the first session's token, rotated, presented again.
            _ = try await flows.refresh(token: first.refreshToken.reveal())
            _ = try await flows.refresh(token: first.refreshToken.reveal())
            let newPassword = "scan flows new passphrase \(UUID().uuidString)"
            secrets.append(ScannedSecret("flow new password", text: newPassword))
            _ = try await flows.changePassword(userID: id, current: password, new: newPassword)

            // Account recovery: an invitation redeemed, a verification confirmed, resets by link and by code.
            let invitation = try await flows.createInvitation(maxUses: 2)
            secrets.append(ScannedSecret("invitation code", text: invitation.code.reveal()))
            let invitedEmail = "scan-invited-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let invitedPassword = "scan invited passphrase \(UUID().uuidString)"
            secrets.append(ScannedSecret("invited password", text: invitedPassword))
            guard
                case .registered(let invited) = try await flows.register(
                    email: invitedEmail, password: invitedPassword, invitationCode: invitation.code.reveal())
            else { throw StoreError(.backend, "the scripted invited registration failed") }
            let verification = try await flows.requestEmailVerification(userID: invited)
            secrets.append(ScannedSecret("verification token", text: verification.token.reveal()))
            _ = try await flows.confirmEmail(token: verification.token.reveal())
            guard case .issued(let link) = try await flows.requestPasswordReset(email: invitedEmail) else {
                throw StoreError(.backend, "the scripted reset request failed")
            }
            secrets.append(ScannedSecret("reset token", text: link.secret))
            let resetPassword = "scan reset passphrase \(UUID().uuidString)"
            secrets.append(ScannedSecret("reset password", text: resetPassword))
            _ = try await flows.resetPassword(token: link.secret, newPassword: resetPassword)
            guard
                case .issued(let code) = try await flows.requestPasswordReset(
                    email: invitedEmail, delivery: .code(digits: 8))
            else { throw StoreError(.backend, "the scripted code request failed") }
            // An 8-digit code is too short to scan for by itself; its reset's row is checked through the password.
            let codePassword = "scan code passphrase \(UUID().uuidString)"
            secrets.append(ScannedSecret("code reset password", text: codePassword))
            _ = try await flows.resetPassword(email: invitedEmail, code: code.secret, newPassword: codePassword)
            return secrets
        }
    }
}
