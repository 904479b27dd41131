import Foundation
import TesseraWire
import Testing

/// The comments in `proto/` are the API reference other teams write clients from, so every declaration there
/// must have one: each service, rpc, message, enum, enum value, oneof and field is preceded by a `//` comment.
@Suite("proto/ documentation")
struct ProtoDocumentationTests {
    static let protoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TesseraWireTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("proto")

    static let files = [
        "tessera/wire/v1/frame.proto",
        "tessera/v1/passwords.proto",
        "tessera/v1/totp.proto",
        "tessera/v1/secrets.proto",
        "tessera/v1/health.proto",
        "tessera/v1/accounts.proto",
        "tessera/v1/mfa.proto",
        "tessera/v1/sessions.proto",
        "tessera/v1/invitations.proto",
        "tessera/v1/password_resets.proto",
        "tessera/v1/email_verification.proto",
        "tessera/v1/provider_keys.proto",
        "tessera/v1/admin.proto",
    ]

    @Test("every declaration has a comment", arguments: files)
    func everyDeclarationCommented(file: String) throws {
        let text = try String(contentsOf: Self.protoRoot.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A line that declares something: a block (`message X {`), an rpc, a field (`type name = 1;`), an enum value.
        let declaration =
            #/^\s*((message|enum|service|oneof)\s+\w+\s*\{|rpc\s+\w+\s*\(|(repeated\s+|optional\s+)?[\w.]+(<[\w.,\s]+>)?\s+\w+\s*=\s*\d+\s*;|[A-Z][A-Z0-9_]*\s*=\s*\d+\s*;)/#
        var declarations = 0
        for (index, line) in lines.enumerated() where line.firstMatch(of: declaration) != nil {
            declarations += 1
            let previous = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
            #expect(previous.hasPrefix("//"), "\(file):\(index + 1) has no comment: \(line)")
        }
        #expect(declarations >= 5, "\(file): the pattern found only \(declarations) declarations")
    }

    @Test("the files tested are all the files there are")
    func allFilesListed() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: Self.protoRoot.path))
        let found = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".proto") }
        #expect(Set(found) == Set(Self.files))
    }

    @Test("the README's method table lists every rpc of every service with its messages")
    func readmeListsEveryMethod() throws {
        let readme = try String(
            contentsOf: Self.protoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var methods = 0
        for file in Self.files where file.hasPrefix("tessera/v1/") {
            let text = try String(contentsOf: Self.protoRoot.appendingPathComponent(file), encoding: .utf8)
            let service = try #require(text.firstMatch(of: #/service\s+(\w+)\s*\{/#)).output.1
            for rpc in text.matches(of: #/rpc\s+(\w+)\s*\((\w+)\)\s+returns\s+\((\w+)\)/#) {
                methods += 1
                let (_, name, request, response) = rpc.output
                let row = "| `tessera.v1.\(service)/\(name)` | `tessera.v1.\(request)` | `tessera.v1.\(response)` |"
                #expect(readme.contains(row), "proto/README.md lacks the row \(row)")
            }
        }
        #expect(methods == MethodCatalog.all.count)
    }
}
