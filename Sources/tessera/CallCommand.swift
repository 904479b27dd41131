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
              tessera call tessera.v1.Health/Check
              tessera call tessera.v1.Passwords/Hash --json-file request.json
              printf '%s' "$REQUEST" | tessera call tessera.v1.Secrets/Seal --json-file -
            A request that holds a secret (a password, a plaintext) belongs in a file or on standard input \
            (--json-file), not in --json, where other local users see it in argv and it stays in shell history.
            A failed call prints `CODE: message` on standard error and exits with status 1.
            `tessera call --list` lists the methods.
            """
    )

    @Argument(help: "The method, as tessera.v1.<Service>/<Method>.")
    var method: String?

    @Option(
        help: ArgumentHelp(
            "The request as JSON (default {}); @path reads it from a file, - from standard input. Visible in argv: "
                + "use --json-file for a request holding a secret.",
            valueName: "json"
        )
    )
    var json: String?

    @Option(
        name: .customLong("json-file"),
        help: ArgumentHelp("Read the request's JSON from a file; - reads standard input.", valueName: "path")
    )
    var jsonFile: String?

    @Flag(help: "List the methods with their request and response messages, and exit.")
    var list = false

    @Option(help: "The call's deadline in seconds.")
    var timeout: Double = 10

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if !self.list && self.method == nil {
            throw ValidationError("give a METHOD, or --list")
        }
        if self.json != nil && self.jsonFile != nil {
            throw ValidationError("give --json or --json-file, not both")
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

    /// The request's JSON: `--json-file` (a path, or `-` for standard input), else `--json` (inline, `@file`, or
    /// `-`), else `{}`.
    private func readJSON() throws -> String {
        if let jsonFile {
            return try Self.read(jsonFile)
        }
        guard let json else { return "{}" }
        if json == "-" {
            return try Self.read("-")
        }
        if json.hasPrefix("@") {
            return try Self.read(String(json.dropFirst()))
        }
        return json
    }

    /// The text of a file, or of standard input for `-`.
    private static func read(_ path: String) throws -> String {
        if path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
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
