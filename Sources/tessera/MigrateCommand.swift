import ArgumentParser
import Foundation
import TesseraStore

/// `tessera migrate`: applies pending schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations and print what was done.",
        discussion: """
            Each migration runs in its own transaction and is recorded; running it again applies nothing. \
            A database whose schema is newer than this build is refused untouched. See docs/storage.md.
            """
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await store.withStore { store in
            let applied: [Migration]
            do {
                applied = try await store.migrate()
            } catch let error as StoreError where error.code == .schemaTooNew {
                throw InputError("the database schema is newer than this build of tessera: refusing to touch it")
            }
            let version = try await store.schemaVersion()
            if applied.isEmpty {
                print("schema already current at version \(version); nothing to apply")
            } else {
                for migration in applied {
                    print("applied migration \(migration.version): \(migration.name)")
                }
                print("schema now at version \(version)")
            }
        }
    }
}
