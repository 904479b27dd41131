import ArgumentParser
import Foundation
import TesseraClient

/// `--server` and the connection options of `tessera keys`: manage keys through a running server's Admin service,
/// with an admin credential, instead of opening the database with the root key.
struct KeysServerOptions: ParsableArguments {
    @Flag(
        name: .customLong("server"),
        help: ArgumentHelp(
            "Go through a running server's Admin service (tessera.v1.Admin) at --host/--port with the credential "
                + "of --credential-file or $TESSERA_CREDENTIAL, instead of the database and the root key.",
            discussion: "The caller needs the Admin methods granted; those that change anything by name or '*'."
        )
    )
    var server = false

    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("timeout"), help: "Seconds each call to the server may take (with --server).")
    var timeoutSeconds: Double = 30

    /// Runs `body` with a client of the server, shut down afterwards.
    func withClient<Result: Sendable>(_ body: (TesseraClient) async throws -> Result) async throws -> Result {
        try await client.withClient(timeout: try ClientOptions.duration(seconds: timeoutSeconds), body)
    }
}

extension ClientOptions {
    /// Runs `body` with a client of the server, shut down afterwards; a failed call becomes one line.
    ///
    /// - Parameters:
    ///   - timeout: The deadline of each call.
    ///   - body: Works with the client.
    /// - Returns: What `body` returns.
    /// - Throws: ``InputError`` with the status code and the server's reason for a failed call; what `body` throws.
    func withClient<Result: Sendable>(
        timeout: Duration,
        _ body: (TesseraClient) async throws -> Result
    ) async throws -> Result {
        let client = try makeClient(timeout: timeout)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch let error as TesseraClientError {
            await client.shutdown()
            // One line: the server's reason, which names versions and counts, never keys or plaintexts.
            throw InputError("\(error.code): \(error.message)")
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

extension StoreOptions {
    /// Whether any store option was given (they contradict `--server`).
    var isGiven: Bool { databaseURL != nil || databaseURLFile != nil || sqlitePath != nil }
}
