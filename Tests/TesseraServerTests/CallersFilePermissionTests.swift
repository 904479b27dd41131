import Foundation
import Logging
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The callers file decides who may call what: one another local user can write is refused at start and on
/// reload (the previous callers stay), like a root key file with loose permissions.
@Suite("Callers file permissions", .timeLimit(.minutes(2)))
struct CallersFilePermissionTests {
    /// A callers file in a fresh temporary directory, written by ``CallersFile/write(to:)`` (0600).
    private static func withCallersFile(
        _ file: CallersFile, _ body: (String) throws -> Void
    ) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callers-perm-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("callers.json").path
        try file.write(to: path)
        try body(path)
    }

    private static func file(id: String) -> CallersFile {
        CallersFile(callers: [.init(id: id, credentialSHA256: OpaqueToken.generate(.caller).digest.hex, allow: ["*"])])
    }

    private static func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test(
        "Modes writable by group or others are refused; readable ones are not",
        arguments: [
            (0o600, true), (0o400, true), (0o640, true), (0o644, true),
            (0o666, false), (0o620, false), (0o602, false), (0o660, false), (0o777, false),
        ] as [(Int, Bool)]
    )
    func modes(mode: Int, accepted: Bool) throws {
        try Self.withCallersFile(Self.file(id: "owner")) { (path: String) throws in
            #expect(try Self.mode(of: path) == 0o600)
            #expect(chmod(path, mode_t(mode)) == 0)
            if accepted {
                #expect(try CallerRegistry.load(from: path).callers.map(\.id) == ["owner"])
            } else {
                let error = #expect(throws: CallerRegistryError.self) { try CallerRegistry.load(from: path) }
                #expect(error?.message.contains("writable by group or others") == true, "\(String(describing: error))")
                #expect(error?.message.contains(path) == true)
            }
        }
    }

    @Test(
        "A file owned by another user is refused",
        .enabled(if: geteuid() == 0, "only root can give a file to another user")
    )
    func owner() throws {
        try Self.withCallersFile(Self.file(id: "owner")) { (path: String) throws in
            #expect(chown(path, 65534, 65534) == 0)
            let error = #expect(throws: CallerRegistryError.self) { try CallerRegistry.load(from: path) }
            #expect(error?.message.contains("uid 65534") == true, "\(String(describing: error))")
        }
    }

    @Test("On reload a file made writable by others is refused with a warning; the previous callers stay")
    func reloadKeepsPreviousCallers() throws {
        try Self.withCallersFile(Self.file(id: "first")) { (path: String) throws in
            let registry = try CallerRegistry.load(from: path)
            let store = CapturingLogHandler.Store()
            let watcher = CallersFileWatcher(
                path: path, registry: registry, pollInterval: .seconds(3600),
                logger: CapturingLogHandler.logger("watcher", store: store)
            )
            // Another local user, with a world-writable file, adds a caller allowed everything.
            try Self.file(id: "intruder").write(to: path)
            #expect(chmod(path, 0o666) == 0)
            #expect(!watcher.reload(reason: "test"))
            #expect(registry.callers.map(\.id) == ["first"])
            let warning = store.all.first { $0.hasPrefix("warning") }
            #expect(warning?.contains("keeping the previous callers") == true, "\(store.all)")
            #expect(warning?.contains("0666") == true, "\(store.all)")

            // Put right, the same file is taken.
            #expect(chmod(path, 0o600) == 0)
            #expect(watcher.reload(reason: "test"))
            #expect(registry.callers.map(\.id) == ["intruder"])
        }
    }

    @Test("write(to:) replaces a file with one of mode 0600, whatever the old file's mode")
    func writesOwnerOnly() throws {
        try Self.withCallersFile(Self.file(id: "first")) { (path: String) throws in
            #expect(chmod(path, 0o666) == 0)
            try Self.file(id: "second").write(to: path)
            #expect(try Self.mode(of: path) == 0o600)
            #expect(try CallersFile.load(from: path).callers.map(\.id) == ["second"])
            let leftovers = try FileManager.default.contentsOfDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
            #expect(leftovers == ["callers.json"])
        }
    }
}
