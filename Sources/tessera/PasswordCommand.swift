import ArgumentParser
import Foundation
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

        @Option(
            name: .customLong("hash-file"),
            help: ArgumentHelp(
                "A file holding the PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which then stays out of "
                    + "ps and shell history.",
                valueName: "path"
            )
        )
        var hashFile: String?

        @Argument(help: "The PHC string, when not given with --hash-file; quote it for the shell.")
        var phc: String?

        @OptionGroup var policy: PolicyOptions

        func validate() throws {
            guard (hashFile == nil) != (phc == nil) else {
                throw ValidationError("give the PHC string either with --hash-file or as the argument, not both")
            }
        }

        func run() async throws {
            let phc = try hashFile.map(Self.readHash) ?? phc ?? ""
            let password = try StandardInput.readSecret("password")
            let hasher = try PasswordHasher(configuration: .init(policy: policy.policy()))
            let result = try await hasher.verify(password, against: phc)
            try await hasher.shutdown()
            print((result.isValid ? "valid" : "invalid") + (result.needsRehash ? " (needs rehash)" : ""))
            if !result.isValid { throw ExitCode(1) }
        }

        /// The first line of a hash file (PHC strings are short: at most 4 KiB are read).
        private static func readHash(_ path: String) throws -> String {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw InputError("cannot read the hash file \(path)")
            }
            defer { try? handle.close() }
            let data = try handle.read(upToCount: 4096) ?? Data()
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            guard !line.isEmpty else { throw InputError("the hash file \(path) is empty") }
            return String(line)
        }
    }
}
