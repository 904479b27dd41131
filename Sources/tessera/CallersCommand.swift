import ArgumentParser
import Foundation
import TesseraCrypto
import TesseraServer

/// `tessera callers add|list|remove`: manage who may call the server.
struct CallersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callers",
        abstract: "Manage the callers file: who may call the server, and which methods.",
        discussion: """
            The file stores each caller's id, allowed methods, optional certificate subject and rate limit, and \
            only the SHA-256 of its credential. See docs/server.md for the format.
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct FileOption: ParsableArguments {
        @Option(
            name: .customLong("file"), help: ArgumentHelp("The callers file (default callers.json).", valueName: "path")
        )
        var path = "callers.json"

        func load(creating: Bool) throws -> CallersFile {
            if creating && !FileManager.default.fileExists(atPath: path) {
                return CallersFile()
            }
            return try CallersFile.load(from: path)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a caller and print its new credential once (only its digest is stored).",
            discussion:
                "Example: tessera callers add auth-service --allow 'tessera.v1.Passwords/*' --rate 200 --burst 400"
        )

        @Argument(help: "The caller's id, shown in logs and metrics.")
        var name: String

        @Option(
            name: .customLong("allow"),
            help: ArgumentHelp("A method it may call: exact name, 'tessera.v1.<Service>/*' or '*' (repeatable).")
        )
        var allow: [String] = []

        @Option(name: .customLong("rate"), help: "Calls per second allowed on average (token bucket refill).")
        var rate: Double?

        @Option(name: .customLong("burst"), help: "Calls allowed at once (token bucket size; default: --rate).")
        var burst: Double?

        @Option(
            name: .customLong("certificate-subject"),
            help: "The subject common name of its client certificate, to identify it by mutual TLS."
        )
        var certificateSubject: String?

        @OptionGroup var file: FileOption

        func run() throws {
            guard !allow.isEmpty else { throw ValidationError("give at least one --allow") }
            var callers = try file.load(creating: true)
            guard !callers.callers.contains(where: { $0.id == name }) else {
                throw ValidationError("a caller named \(name) already exists; remove it first")
            }
            let token = OpaqueToken.generate(.caller)
            let rateLimit = try rate.map { rate -> CallersFile.Entry.RateLimit in
                guard rate > 0 else { throw ValidationError("--rate must be positive") }
                return .init(perSecond: rate, burst: burst ?? max(1, rate))
            }
            callers.callers.append(
                .init(
                    id: name,
                    credentialSHA256: token.digest.hex,
                    allow: allow,
                    certificateSubject: certificateSubject,
                    rateLimit: rateLimit
                )
            )
            _ = try CallerRegistry(file: callers)  // refuse a file the server would refuse
            try callers.write(to: file.path)
            FileHandle.standardError.write(
                Data("tessera: caller \(name) added to \(file.path); its credential, shown only now:\n".utf8)
            )
            print(token.reveal())
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the callers and what they may call.")

        @OptionGroup var file: FileOption

        func run() throws {
            for caller in try file.load(creating: false).callers {
                var line = "\(caller.id)\tallow=\(caller.allow.joined(separator: ","))"
                if let limit = caller.rateLimit {
                    line += "\trate=\(limit.perSecond)/s burst=\(limit.burst)"
                }
                if let subject = caller.certificateSubject {
                    line += "\tcertificate_subject=\(subject)"
                }
                print(line)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a caller; its credential stops working.")

        @Argument(help: "The caller's id.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            var callers = try file.load(creating: false)
            let before = callers.callers.count
            callers.callers.removeAll { $0.id == name }
            guard callers.callers.count < before else {
                throw ValidationError("no caller named \(name)")
            }
            try callers.write(to: file.path)
        }
    }
}
