import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraAuth

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Pwned Passwords range file")
struct PwnedPasswordsRangeFileTests {
    /// 100,000 random lines and the known passwords, made once for the suite.
    static let corpus = PwnedCorpus(lines: 100_000)

    /// The layouts a downloaded file may have.
    enum Layout: String, CaseIterable, CustomTestStringConvertible {
        case lf, lfNoFinalNewline, crlf, crlfNoFinalNewline

        var lineEnd: String { self == .crlf || self == .crlfNoFinalNewline ? "\r\n" : "\n" }
        var finalNewline: Bool { self == .lf || self == .crlf }
        var testDescription: String { rawValue }
    }

    @Test(
        "finds the first, middle and last lines and nothing between or beyond",
        arguments: Layout.allCases, [512, 1 << 16]
    )
    func bisection(layout: Layout, scanBytes: Int) throws {
        let corpus = Self.corpus
        try TemporaryDirectory.with { directory in
            let path = try corpus.write(
                to: directory + "/pwned.txt", lineEnd: layout.lineEnd, finalNewline: layout.finalNewline
            )
            let file = try PwnedPasswordsRangeFile(path: path, scanBytes: scanBytes)
            let entries = corpus.entries
            let picks =
                [0, 1, entries.count / 2, entries.count - 2, entries.count - 1]
                + (0..<40).map { _ in
                    Int.random(in: 0..<entries.count)
                }
            for index in picks {
                let entry = entries[index]
                #expect(try file.occurrences(ofHash: Array(entry.hash.utf8)) == entry.count, "line \(index)")
                let neighbour = corpus.absentNeighbour(of: entry.hash)
                #expect(try file.occurrences(ofHash: Array(neighbour.utf8)) == 0, "after line \(index)")
            }
            #expect(try file.occurrences(ofHash: Array(String(repeating: "0", count: 40).utf8)) == 0)
            #expect(try file.occurrences(ofHash: Array(String(repeating: "F", count: 40).utf8)) == 0)
        }
    }

    @Test("known passwords are found with their counts, others are not", arguments: Layout.allCases)
    func passwords(layout: Layout) throws {
        try TemporaryDirectory.with { directory in
            let path = try Self.corpus.write(
                to: directory + "/pwned.txt", lineEnd: layout.lineEnd, finalNewline: layout.finalNewline
            )
            let file = try PwnedPasswordsRangeFile(path: path)
            for (password, count) in PwnedCorpus.knownPasswords {
                #expect(try file.occurrences(of: password) == count)
            }
            // SHA-1 of the password as given: no case folding, no normalisation.
            #expect(try file.occurrences(of: "Password") == 0)
            #expect(try file.occurrences(of: "P\u{61}\u{308}sswo\u{308}rd") == 0)
            #expect(try file.occurrences(of: "v7#Kq2!mZx9@Lr4$" + UUID().uuidString) == 0)
        }
    }

    @Test("SHA-1 agrees with Python's hashlib, and the file finds what Python hashed")
    func pythonInterop() async throws {
        let password = "correct horse battery staple"
        let script = "import hashlib, sys; print(hashlib.sha1(sys.stdin.buffer.read()).hexdigest().upper())"
        let outcome = try await ChildProcess.run(
            "/usr/bin/env", ["python3", "-c", script], standardInput: Data(password.utf8)
        )
        #expect(outcome.status == 0, "python3: \(outcome.standardError)")
        let pythonHash = outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pythonHash == PwnedCorpus.sha1(password))
        try TemporaryDirectory.with { directory in
            let corpus = PwnedCorpus(entries: [
                .init(hash: String(repeating: "0", count: 40), count: 1), .init(hash: pythonHash, count: 42),
                .init(hash: String(repeating: "F", count: 40), count: 3),
            ])
            let file = try PwnedPasswordsRangeFile(path: corpus.write(to: directory + "/pwned.txt"))
            #expect(try file.occurrences(of: password) == 42)
        }
    }

    @Test("an empty file, a one-line file and lower-case hex")
    func smallFiles() throws {
        try TemporaryDirectory.with { directory in
            let empty = directory + "/empty.txt"
            try Data().write(to: URL(fileURLWithPath: empty))
            #expect(try PwnedPasswordsRangeFile(path: empty).occurrences(of: "password") == 0)

            let hash = PwnedCorpus.sha1("password")
            for (name, text) in [("one", "\(hash):5"), ("one-nl", "\(hash):5\n"), ("one-crlf", "\(hash):5\r\n")] {
                let path = directory + "/\(name).txt"
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                let file = try PwnedPasswordsRangeFile(path: path)
                #expect(try file.occurrences(of: "password") == 5, "\(name)")
                #expect(try file.occurrences(of: "123456") == 0, "\(name)")
            }

            let lower = directory + "/lower.txt"
            let entries = Self.corpus.entries.prefix(2_000).map {
                PwnedCorpus.Entry(hash: $0.hash.lowercased(), count: $0.count)
            }
            try PwnedCorpus(entries: Array(entries)).write(to: lower)
            let file = try PwnedPasswordsRangeFile(path: lower, scanBytes: 512)
            #expect(try file.occurrences(ofHash: Array(Self.corpus.entries[1_000].hash.utf8)) == entries[1_000].count)
        }
    }

    /// Files that are not the SHA-1 download ordered by hash, by name.
    static let otherFormatFiles: [String: String] = [
        "text": "hello world\nthis is not a hash file\n",
        "ntlm": "8846F7EAEE8FB117AD06BDD830B7586C:123\n",
        "range-api": "1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n",
        "no-count": "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:\n",
        "bad-count": "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:12x\n",
        "huge-count": "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:1234567890123456789012\n",
        "one-long-line": String(repeating: "A", count: 10_000),
        "blank-lines": "\n\n\n\n",
    ]

    @Test("files in another format are refused at open", arguments: otherFormatFiles.keys.sorted())
    func otherFormats(name: String) throws {
        let text = try #require(Self.otherFormatFiles[name])
        try TemporaryDirectory.with { directory in
            let path = directory + "/\(name).txt"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: PasswordListError.self) { try PwnedPasswordsRangeFile(path: path) }
            #expect(error?.code == .malformed)
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test("a file ordered by prevalence is refused")
    func unsorted() throws {
        try TemporaryDirectory.with { directory in
            let shuffled = PwnedCorpus(entries: Array(Self.corpus.entries.prefix(5_000)).shuffled())
            let path = try shuffled.write(to: directory + "/by-count.txt")
            #expect(throws: PasswordListError(.unsorted, "")) { try PwnedPasswordsRangeFile(path: path) }
        }
    }

    @Test("damage the opening check did not meet gives an error or 0, never a crash, and never the password")
    func damagedMiddle() throws {
        try TemporaryDirectory.with { directory in
            // Opened while intact (so the opening check passes), then damaged in place under the open descriptor.
            let intact = PwnedCorpus(entries: Array(Self.corpus.entries.prefix(20_000)))
            let path = try intact.write(to: directory + "/damaged.txt")
            let file = try PwnedPasswordsRangeFile(path: path, scanBytes: 512)
            var lines = intact.entries.map { "\($0.hash):\($0.count)" }
            for index in stride(from: 97, to: lines.count, by: 211) {
                lines[index] = index % 2 == 0 ? "garbage line" : String(repeating: "Z", count: 600)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
            try handle.close()
            var errors = 0
            for entry in Self.corpus.entries.prefix(20_000).shuffled().prefix(300) {
                do {
                    let count = try file.occurrences(ofHash: Array(entry.hash.utf8))
                    #expect(count == 0 || count == entry.count)
                } catch let error as PasswordListError {
                    #expect(error.code == .malformed)
                    errors += 1
                }
            }
            #expect(errors > 0)
            let error = #expect(throws: PasswordListError.self) {
                for _ in 0..<1_000 { _ = try file.occurrences(of: "hunter2-" + UUID().uuidString) }
            }
            #expect(error?.description.contains("hunter2") == false)
        }
    }

    @Test("a missing path, a directory and a FIFO are refused with clear errors, without blocking")
    func notAFile() throws {
        #expect(throws: PasswordListError(.fileNotFound, "")) {
            try PwnedPasswordsRangeFile(path: "/nonexistent/pwned-passwords-sha1-ordered-by-hash-v8.txt")
        }
        try TemporaryDirectory.with { directory in
            #expect(throws: PasswordListError(.notRegularFile, "")) { try PwnedPasswordsRangeFile(path: directory) }
            let fifo = directory + "/fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            let error = #expect(throws: PasswordListError.self) { try PwnedPasswordsRangeFile(path: fifo) }
            #expect(error?.code == .notRegularFile)
            #expect(error?.description.contains(fifo) == true)
        }
    }
}
