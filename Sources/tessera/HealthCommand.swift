import ArgumentParser
import Foundation
import TesseraClient

/// `tessera health`: asks a running server whether it is serving; exit status 0 when it is, 1 otherwise.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check a running server: print its status and exit 0 when SERVING, 1 otherwise.",
        discussion: "Meant for probes: it fails fast (2 seconds by default) when the server cannot be reached."
    )

    @Option(help: "The deadline in seconds.")
    var timeout: Double = 2

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let client = try self.client.makeClient(timeout: try ClientOptions.duration(seconds: self.timeout))
        let outcome: Result<TesseraClient.HealthReport, TesseraClientError>
        do {
            outcome = .success(try await client.health())
        } catch let error as TesseraClientError {
            outcome = .failure(error)
        }
        await client.shutdown()
        switch outcome {
        case .success(let report):
            print(report.isServing ? "SERVING" : "NOT_SERVING")
            for component in report.components {
                let state = component.isServing ? "SERVING" : "NOT_SERVING"
                print("  \(component.name): \(state)\(component.message.isEmpty ? "" : " (\(component.message))")")
            }
            if !report.isServing {
                throw ExitCode(1)
            }
        case .failure(let error):
            print("NOT_SERVING")
            FileHandle.standardError.write(Data("\(error.code.statusCode): \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
