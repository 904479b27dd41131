import Foundation
import TesseraWire
import Testing

@Suite("Method catalog")
struct MethodCatalogTests {
    /// Every `rpc` line in proto/tessera/v1/*.proto, as wire names.
    static func protoMethods() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.appendingPathComponent("proto/tessera/v1")
        var names = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".proto") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var service: String?
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "(" })
                if words.first == "service", words.count > 1 { service = String(words[1]) }
                if words.first == "rpc", words.count > 1, let service {
                    names.insert("tessera.v1.\(service)/\(words[1])")
                }
            }
        }
        return names
    }

    @Test("the catalog lists exactly the rpcs in proto/tessera/v1")
    func matchesProtos() throws {
        #expect(Set(MethodCatalog.all.map(\.name)) == (try Self.protoMethods()))
        #expect(MethodCatalog.byName.count == MethodCatalog.all.count)
    }

    @Test("lookups by name are exact and case-sensitive")
    func lookup() {
        #expect(MethodCatalog.method(named: "tessera.v1.Passwords/Hash") == MethodCatalog.passwordsHash)
        #expect(MethodCatalog.method(named: "tessera.v1.passwords/hash") == nil)
        #expect(MethodCatalog.method(named: "") == nil)
        #expect(MethodCatalog.passwordsHash.service == "tessera.v1.Passwords")
    }
}
