import Foundation
import TesseraTestSupport
import Testing

/// The package's root directory: `tessera` child processes run there, so they find the development keys
/// (`keys-dev/`) and `ops/` as `make run` does.
let endToEndPackageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs the built `tessera` with `arguments` in the package root, with the clean environment of
/// ``ServeProcessTests/cleanEnvironment`` plus `environment`, none of the test process's descriptors, and `input`
/// on standard input.
func tessera(
    _ arguments: [String], environment: [String: String] = [:], input: String = ""
) async throws -> ChildProcess.Outcome {
    try await ChildProcess.run(
        try #require(tesseraExecutable), arguments,
        environment: ServeProcessTests.cleanEnvironment.merging(environment) { $1 }, inheriting: false,
        directory: endToEndPackageRoot.path, standardInput: Data(input.utf8)
    )
}

/// What a test does before it starts `tessera serve`: `tessera migrate` on the store `store` names, then a callers
/// file in `directory` with one caller `name` allowed `allow`.
/// - Returns: The callers file's path.
func migrateAndAddCaller(_ name: String, allow: String, store: [String], in directory: URL) async throws -> String {
    let migrated = try await tessera(["migrate"] + store)
    try #require(migrated.status == 0, "migrate: \(migrated.standardError)")
    let callers = directory.appendingPathComponent("callers.json").path
    let added = try await tessera(["callers", "add", name, "--allow", allow, "--file", callers])
    try #require(added.status == 0, "callers add: \(added.standardError)")
    return callers
}
