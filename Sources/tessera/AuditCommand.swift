import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// `tessera audit verify`: walks the audit chain and names the first broken entry.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Work with the append-only audit chain.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every entry's signature and hash link; exit non-zero naming the first bad entry.",
            discussion: """
                The audit key is derived from the root key, so use the root key the entries were written with. \
                Memory use is bounded by the page size, whatever the chain's length. See docs/audit.md.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Option(name: .customLong("page-size"), help: "Entries read per page.")
        var pageSize: Int = 1000

        func validate() throws {
            guard pageSize >= 1 else { throw ValidationError("--page-size must be at least 1") }
        }

        func run() async throws {
            let loaded = try rootKey.load()
            let result = try await store.withCheckedStore { store in
                let key = AuditSigningKey(rootKey: try await KeyringManager.resolveRootKey(loaded, store: store))
                return try await AuditVerifier(store: store, key: key, pageSize: pageSize).verify { progress in
                    ProgressLine.show(label: "verify", done: progress.verified, total: progress.total, detail: nil)
                }
            }
            ProgressLine.finish()
            switch result {
            case .intact(let entries):
                print("audit chain intact: \(entries) entries verified")
            case .broken(let brokenAt):
                throw InputError("audit chain broken at \(brokenAt)")
            }
        }
    }
}

/// A one-line progress display on standard error, redrawn in place.
enum ProgressLine {
    /// Draws `label [#####.....] done/total (pct) detail`.
    static func show(label: String, done: Int64, total: Int64, detail: String?) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        var line = "\r\(label) [\(bar)] \(done)/\(total) (\(Int(fraction * 100))%)"
        if let detail { line += " \(detail)" }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the progress line.
    static func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
