import Foundation
import TesseraAuth
import Testing

@Suite("Auth settings file")
struct AuthSettingsTests {
    func write(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID()).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("every key applies; missing keys keep their defaults")
    func applies() throws {
        let path = try write(
            """
            {"lockout_max_failures": 5, "lockout_wait_increment_seconds": 30, "lockout_max_wait_seconds": 600,
             "lockout_failure_reset_seconds": 3600, "lockout_permanent_after": 3,
             "session_idle_timeout_seconds": 3600, "session_absolute_lifetime_seconds": 86400,
             "session_grace_window_seconds": 5, "mfa_challenge_lifetime_seconds": 120, "mfa_max_challenge_attempts": 3,
             "mfa_issuer": "Acme", "password_minimum_length": 15, "password_context_words": ["acme"],
             "authentications_per_address_per_minute": 10}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = try AuthSettings.load(path: path).policy()
        #expect(
            policy.lockout
                == LockoutPolicy(
                    maxFailures: 5, waitIncrement: .seconds(30), maxWait: .seconds(600),
                    failureResetTime: .seconds(3600),
                    permanentLockoutAfter: 3
                ))
        #expect(
            policy.sessions
                == SessionPolicy(
                    idleTimeout: .seconds(3600), absoluteLifetime: .seconds(86400), graceWindow: .seconds(5)
                ))
        #expect(policy.mfa.issuer == "Acme" && policy.mfa.maxChallengeAttempts == 3)
        #expect(policy.passwords.minimumLength == 15 && policy.passwords.contextWords == ["acme"])
        #expect(policy.authenticationsPerAddressPerMinute == 10)
        #expect(try AuthSettings().policy().lockout == LockoutPolicy())
    }

    @Test("an unknown key, a wrong type or a value out of range is refused with one line naming it")
    func refused() throws {
        for (json, fragment) in [
            (#"{"lockout_max_failure": 5}"#, "lockout_max_failure"),
            (#"{"lockout_max_failures": "five"}"#, "wrong type"),
            (#"{"lockout_max_failures": 1000}"#, "1-100"),
            (#"{"password_minimum_length": 4}"#, "8-64"),
            ("[1]", "JSON object"),
        ] {
            let path = try write(json)
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try AuthSettings.load(path: path).policy()
                Issue.record("\(json) was accepted")
            } catch let error as AuthError {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
    }
}
