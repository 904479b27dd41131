import ArgumentParser
import Foundation
import TesseraBench
import TesseraClient

/// `tessera-bench flood`: the flood measurement's load generator, started by `tessera-bench` in a process of its
/// own.
struct BenchFloodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood",
        abstract: "The load generator of the benchmarks' flood (started by them; reads the credential on stdin).",
        shouldDisplay: false
    )

    @Option(help: "The server's port on 127.0.0.1.")
    var port: Int

    @Option(help: "Concurrent Passwords/Hash calls per wave.")
    var calls: Int = 1000

    @Option(help: "Connections of the client.")
    var connections: Int = 16

    @Option(help: "Seconds to flood.")
    var seconds: Int = 3

    func run() async throws {
        guard let credential = readLine(strippingNewline: true), !credential.isEmpty else {
            throw ValidationError("expected the caller credential on standard input")
        }
        let report = try await FloodClient.run(
            port: port, credential: TesseraClient.Credential(credential), calls: calls, connections: connections,
            duration: .seconds(seconds)
        )
        FileHandle.standardOutput.write(try JSONEncoder().encode(report))
    }
}
