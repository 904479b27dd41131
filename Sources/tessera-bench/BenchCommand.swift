import ArgumentParser
import Foundation
import TesseraBench

/// `tessera-bench run` (the default): measurements with baselines from the same run, printed as a table and
/// written as JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure Tessera against raw baselines on this machine; print a table and write JSON.",
        discussion: """
            Build in release mode for meaningful numbers: make bench. With the environment variable \
            TESSERA_BENCH_NIO_EXECUTOR=1, NIO's event loops run Swift Concurrency for the whole run (what \
            docs/storage.md measures against the default executor).
            """
    )

    /// A group of benchmarks `--only` can pick.
    enum Suite: String, CaseIterable, ExpressibleByArgument {
        case crypto
        case store
        case rpc
        case auth
        case keyring
    }

    @Option(
        help: ArgumentHelp(
            "Seconds per measurement (crypto and rpc suites); a rate beside a baseline is measured in 3 rounds of "
                + "this length (Passwords/Hash over RPC: --hash-rounds), alternating with its baseline's."))
    var seconds: Int = 3

    @Option(
        help: ArgumentHelp(
            "Rounds of --seconds each, per side, in which Passwords/Hash over RPC alternates with the raw C call "
                + "(rpc suite): its ratio must clear 0.95 on a machine whose speed wanders by several percent."))
    var hashRounds: Int = 16

    @Option(
        help: ArgumentHelp(
            "Rounds of --seconds each, per side, in which Accounts/Authenticate over RPC alternates with the raw "
                + "Argon2 verify (auth suite)."))
    var authRounds: Int = 6

    @Option(help: "Seconds per measurement of the store suite (each side, each level of concurrency).")
    var storeSeconds: Int = 5

    @Option(
        help: ArgumentHelp(
            "Run only these suites (crypto, store, rpc, auth, keyring); repeatable. Default: all.",
            valueName: "suite"))
    var only: [Suite] = []

    @Option(help: "Provider keys the keyring suite stores and re-wraps.")
    var keyringRows: Int = 100_000

    @Option(help: ArgumentHelp("Where to write the JSON report.", valueName: "path"))
    var output: String = "bench-results/bench.json"

    func run() async throws {
        guard seconds > 0, storeSeconds > 0, hashRounds > 0, authRounds > 0 else {
            throw ValidationError("--seconds, --store-seconds, --hash-rounds and --auth-rounds must be positive")
        }
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
        }
        let runs = { (suite: Suite) in only.isEmpty || only.contains(suite) }
        var report = BenchReport()
        if runs(.crypto) {
            report.rows += try await CryptoBenchmarks.run(.init(duration: .seconds(seconds)), log: log)
        }
        if runs(.store) {
            report.rows += try await StoreBenchmarks.run(.init(duration: .seconds(storeSeconds)), log: log)
        }
        if runs(.rpc) {
            var settings = RpcBenchmarks.Settings(duration: .seconds(seconds))
            settings.hashRounds = hashRounds
            report.rows += try await RpcBenchmarks.run(settings, log: log)
        }
        if runs(.auth) {
            var settings = AuthBenchmarks.Settings(duration: .seconds(seconds))
            settings.authenticateRounds = authRounds
            report.rows += try await AuthBenchmarks.run(settings, log: log)
        }
        if runs(.keyring) {
            var settings = KeyringBenchmarks.Settings()
            settings.rows = keyringRows
            settings.loadSeconds = seconds
            report.rows += try await KeyringBenchmarks.run(settings, log: log)
        }
        print(report.table)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(report).write(to: url, options: .atomic)
        print("written: \(output)")
    }
}
