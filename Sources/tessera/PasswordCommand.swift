import ArgumentParser
import TesseraCrypto

/// `tessera password hash|verify`: Argon2id with the service's policy, for operators and scripts.
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Hash a password (Argon2id, PHC string) or verify one against a hash.",
        subcommands: [Hash.self, Verify.self]
    )

    /// Argon2 cost options shared by both subcommands.
    struct PolicyOptions: ParsableArguments {
        @Option(help: "Memory cost in KiB (default: 19456, OWASP's minimum).")
        var memoryKib: Int = PasswordPolicy.default.memoryKiB

        @Option(help: "Time cost: passes over memory (default: 2).")
        var iterations: Int = PasswordPolicy.default.iterations

        @Option(help: "Lanes and threads (default: 1).")
        var parallelism: Int = PasswordPolicy.default.parallelism

        func policy() throws -> PasswordPolicy {
            try PasswordPolicy(memoryKiB: memoryKib, iterations: iterations, parallelism: parallelism)
        }
    }

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a password on standard input and print its Argon2id PHC string."
        )

        @OptionGroup var policy: PolicyOptions

        func run() async throws {
            let password = try StandardInput.readSecret("password")
            let hasher = try PasswordHasher(configuration: .init(policy: policy.policy()))
            let phc = try await hasher.hash(password)
            try await hasher.shutdown()
            print(phc)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a password on standard input and check it against a PHC string.",
            discussion: "Exits 0 when the password matches, 1 when it does not. Prints whether a rehash is due."
        )

        @Argument(help: "The PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); quote it for the shell.")
        var phc: String

        @OptionGroup var policy: PolicyOptions

        func run() async throws {
            let password = try StandardInput.readSecret("password")
            let hasher = try PasswordHasher(configuration: .init(policy: policy.policy()))
            let result = try await hasher.verify(password, against: phc)
            try await hasher.shutdown()
            print((result.isValid ? "valid" : "invalid") + (result.needsRehash ? " (needs rehash)" : ""))
            if !result.isValid { throw ExitCode(1) }
        }
    }
}
