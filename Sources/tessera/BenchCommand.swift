import ArgumentParser
import Foundation
import TesseraBench

/// `tessera bench`: measurements with baselines from the same run, printed as a table and written as JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Tessera against raw baselines on this machine; print a table and write JSON.",
        discussion: "Build in release mode for meaningful numbers: make bench."
    )

    @Option(help: "Seconds per measurement.")
    var seconds: Int = 3

    @Option(help: ArgumentHelp("Where to write the JSON report.", valueName: "path"))
    var output: String = "bench-results/bench.json"

    @Option(help: ArgumentHelp("Run only these suites (crypto, rpc); repeatable. Default: all.", valueName: "suite"))
    var only: [String] = []

    func run() async throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        let progress: (String) -> Void = { line in FileHandle.standardError.write(Data("bench: \(line)\n".utf8)) }
        let runs = { (suite: String) in only.isEmpty || only.contains(suite) }
        var report = BenchReport()
        if runs("crypto") {
            report.rows += try await CryptoBenchmarks.run(.init(duration: .seconds(seconds)), log: progress)
        }
        // The RPC suite (Sources/TesseraBench/Rpc*.swift): the client against an in-process server and echo floor.
        if runs("rpc") {
            report.rows += try await RpcBenchmarks.run(.init(duration: .seconds(seconds)), log: progress)
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
