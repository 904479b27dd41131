import ArgumentParser

/// `tessera-bench`: the benchmarks, in an executable of their own so that the shipped `tessera` carries no test
/// code (the benchmarks link TesseraTestSupport's throwaway-PostgreSQL launcher). `make bench` runs it; `main.swift`
/// starts it.
struct TesseraBenchTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-bench",
        abstract: "Tessera's benchmarks: ratios against raw baselines measured in the same run.",
        subcommands: [BenchCommand.self, BenchFloodCommand.self],
        defaultSubcommand: BenchCommand.self
    )
}
