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

    func run() async throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        var report = BenchReport()
        report.rows = try await CryptoBenchmarks.run(.init(duration: .seconds(seconds))) { line in
            FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
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
