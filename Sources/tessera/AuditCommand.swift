import ArgumentParser
import Foundation
import TesseraAudit
import TesseraCrypto
import TesseraKeyring
import TesseraStore

/// `tessera audit`: verify the log, prove an entry's inclusion or one checkpoint's consistency with another, follow
/// the signed checkpoints.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Work with the append-only audit log and its signed checkpoints.",
        subcommands: [Verify.self, Prove.self, ProveConsistency.self, Checkpoints.self, PublicKey.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every entry and checkpoint; exit non-zero naming the first bad entry.",
            discussion: """
                Checks every entry's MAC, the Merkle tree against every signed checkpoint, and the entries not yet \
                checkpointed (the unsealed tail), and reports the time since the newest checkpoint. With --against, \
                also checks the checkpoint lines kept elsewhere (from 'tessera audit checkpoints'): a database rolled \
                back or truncated to an earlier state fails. The keys are derived from the root key, so use the root \
                key the entries were written with. Memory use is bounded by the page size. See docs/audit.md.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Option(name: .customLong("page-size"), help: "Entries read per page.")
        var pageSize: Int = 1000

        @Option(name: .customLong("against"), help: "A file of checkpoint lines kept outside the database.")
        var against: String?

        func validate() throws {
            guard pageSize >= 1 else { throw ValidationError("--page-size must be at least 1") }
        }

        func run() async throws {
            let loaded = try rootKey.load()
            let external = try against.map(Self.readCheckpoints) ?? []
            let bar = ProgressBar(label: "verify")
            let report = try await store.withCheckedStore { store in
                let root = try await KeyringManager.resolveRootKey(loaded, store: store)
                let key = AuditSigningKey(rootKey: root)
                let publicKey = AuditCheckpointKey(rootKey: root).publicKey
                return try await AuditVerifier(store: store, key: key, publicKey: publicKey, pageSize: pageSize).verify(
                    against: external
                ) { progress in
                    bar.show(done: progress.verified, total: progress.total)
                }
            }
            bar.finish()
            if let broken = report.firstBreak {
                throw InputError("audit log broken at \(broken)")
            }
            var line = "audit log intact: \(report.sealedEntries) entries under \(report.checkpoints) checkpoints"
            line += ", \(report.unsealedEntries) not yet checkpointed"
            if let age = report.checkpointAge() {
                let seconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
                line += String(format: ", newest checkpoint %.1f s ago", seconds)
            } else {
                line += ", no checkpoint yet"
            }
            if !external.isEmpty {
                line += ", \(external.count) external checkpoints matched"
            }
            print(line)
        }

        /// Reads checkpoint lines, skipping blank ones; any other line is an error naming its number.
        static func readCheckpoints(path: String) throws -> [AuditCheckpoint] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InputError("cannot read the checkpoint file")
            }
            var checkpoints: [AuditCheckpoint] = []
            for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                guard let checkpoint = AuditCheckpoint(line: text) else {
                    throw InputError("line \(number + 1) of the checkpoint file is not a checkpoint line")
                }
                checkpoints.append(checkpoint)
            }
            return checkpoints
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an entry's inclusion proof against the newest checkpoint, as JSON.",
            discussion: """
                The proof holds the entry's canonical bytes, its leaf index, the RFC 9162 audit path and the signed \
                checkpoint, and the checkpoint public key; docs/audit.md ("Checking a proof") says how to check it \
                offline with the public key alone.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Argument(help: "The entry's id.")
        var id: Int64

        func run() async throws {
            let loaded = try rootKey.load()
            let result = try await store.withCheckedStore { store in
                let root = try await KeyringManager.resolveRootKey(loaded, store: store)
                let publicKey = AuditCheckpointKey(rootKey: root).publicKey
                return try await AuditInclusionProof.make(entryID: id, store: store, publicKey: publicKey)
            }
            switch result {
            case .success(let proof):
                print(proof.json)
            case .failure(let error):
                switch error.reason {
                case .noSuchEntry: throw InputError("no audit entry has this id")
                case .notYetSealed: throw InputError("the entry is not in a checkpoint yet; try again in a second")
                }
            }
        }
    }

    struct ProveConsistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prove-consistency",
            abstract: "Print the consistency proof between two signed checkpoints, as JSON.",
            discussion: """
                The proof shows that the newer checkpoint's tree (the newest, unless --to names another size) begins \
                with the older checkpoint's tree unchanged: nothing it covered was altered, removed or reordered \
                since. It holds both signed checkpoints, the RFC 9162 consistency path and the checkpoint public \
                key; docs/audit.md ("Checking a consistency proof") says how to check it offline against a \
                checkpoint line you kept.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        @Argument(help: "The older checkpoint's tree size (the size= of a line you kept).")
        var fromSize: Int64

        @Option(
            name: .customLong("to"),
            help: ArgumentHelp("The newer checkpoint's tree size (default: the newest checkpoint).", valueName: "size")
        )
        var toSize: Int64?

        func validate() throws {
            guard fromSize >= 1 else { throw ValidationError("the older tree size must be at least 1") }
        }

        func run() async throws {
            let loaded = try rootKey.load()
            let result = try await store.withCheckedStore { store in
                let root = try await KeyringManager.resolveRootKey(loaded, store: store)
                let publicKey = AuditCheckpointKey(rootKey: root).publicKey
                return try await AuditConsistencyProof.make(
                    from: fromSize, to: toSize, store: store, publicKey: publicKey
                )
            }
            switch result {
            case .success(let proof):
                print(proof.json)
            case .failure(let error):
                switch error.reason {
                case .noCheckpointOfFirstSize: throw InputError("no checkpoint has the older tree size")
                case .noCheckpointOfSecondSize: throw InputError("no checkpoint has the newer tree size")
                case .sizesOutOfOrder: throw InputError("the older tree size is larger than the newer one")
                }
            }
        }
    }

    struct Checkpoints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the signed checkpoints, one line each (with --follow, keep printing new ones).",
            discussion: """
                Ship the lines somewhere the database's administrators cannot change, then check the database \
                against them with 'tessera audit verify --against FILE'.
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(name: .customLong("after"), help: "Only checkpoints of a larger tree size.")
        var after: Int64 = 0

        @Flag(name: .customLong("follow"), help: "Keep polling for new checkpoints until interrupted.")
        var follow = false

        @Option(name: .customLong("poll-ms"), help: "How often --follow polls, in milliseconds.")
        var pollMilliseconds: Int = 250

        func validate() throws {
            guard pollMilliseconds >= 10 else { throw ValidationError("--poll-ms must be at least 10") }
        }

        func run() async throws {
            try await store.withCheckedStore { store in
                var last = after
                repeat {
                    let page = try await store.auditCheckpoints(after: last, limit: 1000)
                    // Written straight to the descriptor (no stdio buffer), so a pipe sees each line at once.
                    let lines = page.map { AuditCheckpoint($0).line + "\n" }.joined()
                    FileHandle.standardOutput.write(Data(lines.utf8))
                    last = page.last?.treeSize ?? last
                    if page.count < 1000 && follow {
                        try await Task.sleep(for: .milliseconds(pollMilliseconds))
                    } else if page.count < 1000 {
                        break
                    }
                } while true
            }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the checkpoint public key (Ed25519, base64), derived from the root key.",
            discussion: """
                Give it to auditors: it verifies checkpoints and proofs, and reveals nothing secret. It reads the \
                store because after 'tessera keys rotate-root' the purpose keys (this one among them) still come \
                from the first root key's derivation base, kept wrapped in the database: the public key does not \
                change with the root key.
                """
        )

        @OptionGroup var store: StoreOptions
        @OptionGroup var rootKey: RootKeyOptions

        func run() async throws {
            let loaded = try rootKey.load()
            let publicKey = try await store.withCheckedStore { store in
                AuditCheckpointKey(rootKey: try await KeyringManager.resolveRootKey(loaded, store: store)).publicKey
            }
            print(publicKey)
        }
    }
}
