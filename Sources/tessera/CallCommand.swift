import ArgumentParser
import Foundation
import SwiftProtobuf
import TesseraClient
import TesseraWire

/// `tessera call METHOD --json '{…}'`: sends any method with a JSON body and prints the JSON reply, the grpcurl of
/// Tessera.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a method of a running server with a JSON request and print the JSON response.",
        discussion: """
            The body uses the protobuf JSON mapping of the method's request message (bytes fields in base64),
            for example:
              tessera call tessera.v1.Passwords/Hash --json '{"password": "…"}'
              tessera call tessera.v1.Health/Check
              echo '{"plaintext": "aGVsbG8="}' | tessera call tessera.v1.Secrets/Seal --json -
            A failed call prints `CODE: message` on standard error and exits with status 1.
            `tessera call --list` lists the methods.
            """
    )

    @Argument(help: "The method, as tessera.v1.<Service>/<Method>.")
    var method: String?

    @Option(
        help: ArgumentHelp(
            "The request as JSON; @path reads it from a file, - from standard input.", valueName: "json"
        )
    )
    var json = "{}"

    @Flag(help: "List the methods with their request and response messages, and exit.")
    var list = false

    @Option(help: "The call's deadline in seconds.")
    var timeout: Double = 10

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if !self.list && self.method == nil {
            throw ValidationError("give a METHOD, or --list")
        }
    }

    func run() async throws {
        if self.list {
            for method in MethodCatalog.all {
                print(
                    "\(method.name)  \(method.requestType.protoMessageName) -> \(method.responseType.protoMessageName)")
            }
            return
        }
        guard let name = self.method, let method = MethodCatalog.method(named: name) else {
            throw ValidationError("unknown method \(self.method ?? ""); see `tessera call --list`")
        }
        let request: any SwiftProtobuf.Message
        do {
            request = try Self.message(method.requestType, json: try self.readJSON())
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("the JSON is not a valid \(method.requestType.protoMessageName): \(error)")
        }
        let client = try self.client.makeClient(timeout: try ClientOptions.duration(seconds: self.timeout))
        let outcome: Result<Data, TesseraClientError>
        do {
            outcome = .success(try await client.call(method, serializedRequest: try request.serializedData()))
        } catch let error as TesseraClientError {
            outcome = .failure(error)
        }
        await client.shutdown()
        switch outcome {
        case .success(let body):
            let response = try Self.message(method.responseType, binary: body)
            print(Self.pretty(try response.jsonString()))
        case .failure(let error):
            FileHandle.standardError.write(Data("\(error.code.statusCode): \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The `--json` text: inline, `@file`, or `-` for standard input.
    private func readJSON() throws -> String {
        if self.json == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        if self.json.hasPrefix("@") {
            let path = String(self.json.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        return self.json
    }

    /// Decodes a message of a type known only at run time from JSON.
    private static func message<M: SwiftProtobuf.Message>(_ type: M.Type, json: String) throws -> M {
        try M(jsonString: json)
    }

    /// Decodes a message of a type known only at run time from protobuf binary.
    private static func message<M: SwiftProtobuf.Message>(_ type: M.Type, binary: Data) throws -> M {
        try M(serializedBytes: binary)
    }

    /// Indents compact JSON for reading; returns it unchanged if Foundation cannot parse it.
    private static func pretty(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else {
            return json
        }
        return String(decoding: data, as: UTF8.self)
    }
}
