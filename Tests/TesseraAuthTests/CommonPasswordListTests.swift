import Foundation
import Testing

@testable import TesseraAuth

@Suite("Common password list")
struct CommonPasswordListTests {
    /// The fixture's path inside the test bundle.
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return url.path
    }

    @Test("Django's list, installed at set-up, loads with about 20,000 passwords")
    func djangoList() throws {
        let path = try #require(CommonPasswordList.defaultPaths.first)
        #expect(path == "/usr/lib/python3/dist-packages/django/contrib/auth/common-passwords.txt.gz")
        #expect(
            FileManager.default.fileExists(atPath: path),
            "install Debian's python3-django (ops/install-deps.sh does)"
        )
        let list = try CommonPasswordList.load(path: path)
        #expect((19_000...21_000).contains(list.count))
        for password in ["password", "123456", "qwerty", "PassWord", "QWERTY", "ｐａｓｓｗｏｒｄ", " letmein "] {
            #expect(list.contains(password))
        }
        #expect(!list.contains("v7#Kq2!mZx9@Lr4$Tw8^" + UUID().uuidString))
        #expect(!list.contains(""))
        #expect(try CommonPasswordList.loadDefault().count == list.count)
    }

    @Test("a plain CRLF list and a gzip list give the same entries", arguments: ["common-plain.txt", "common.txt.gz"])
    func fixtures(name: String) throws {
        let list = try CommonPasswordList.load(path: Self.fixture(name))
        #expect(list.count == 6)
        for password in ["password", "123456", "qwerty", "letmein", "STRAßE", "Dragon", "  dragon\t"] {
            #expect(list.contains(password))
        }
        for password in ["password1", "12345", "strasse", "drag on", " "] {
            #expect(!list.contains(password))
        }
    }

    @Test("words in memory are normalised, deduplicated, and empty ones skipped")
    func words() {
        let list = CommonPasswordList(words: ["Secret", "secret", " SECRET ", "", "   ", "ｓｅｃｒｅｔ", "tessera"])
        #expect(list.count == 2)
        #expect(list.contains("sEcReT"))
        #expect(list.contains("Tessera"))
        #expect(!list.contains("secrets"))
        #expect(CommonPasswordList(words: []).count == 0)
        #expect(!CommonPasswordList(words: []).contains("anything"))
    }

    @Test(
        "the ASCII fast path agrees with the Unicode path",
        arguments: ["password", "PassWord", "  Tab\there\t", "\u{0B}\u{0C}x\r\n", "MiXeD 123 !@#", "", " "]
    )
    func asciiFastPath(text: String) {
        #expect(CommonPasswordList.asciiNormalize(Array(text.utf8)) == CommonPasswordList.unicodeNormalize(text))
    }

    @Test("a missing file, a directory and no default list give clear errors")
    func missing() throws {
        #expect(throws: PasswordListError(.fileNotFound, "")) {
            try CommonPasswordList.load(path: "/nonexistent/common-passwords.txt.gz")
        }
        #expect(throws: PasswordListError(.notRegularFile, "")) {
            try CommonPasswordList.load(path: NSTemporaryDirectory())
        }
        let paths = ["/nonexistent/a.txt.gz", "/nonexistent/b.txt"]
        let error = #expect(throws: PasswordListError.self) { try CommonPasswordList.loadFirst(of: paths) }
        #expect(error?.code == .noDefaultList)
        #expect(error?.message.contains("/nonexistent/a.txt.gz, /nonexistent/b.txt") == true)
    }

    @Test("a truncated or corrupt gzip stream is a read failure")
    func damagedGzip() throws {
        let gzip = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("common.txt.gz")))
        try TemporaryDirectory.with { directory in
            let truncated = directory + "/truncated.txt.gz"
            try gzip.prefix(gzip.count - 12).write(to: URL(fileURLWithPath: truncated))
            #expect(throws: PasswordListError(.readFailed, "")) { try CommonPasswordList.load(path: truncated) }

            var flipped = gzip
            flipped[20] ^= 0xFF
            let corrupt = directory + "/corrupt.txt.gz"
            try flipped.write(to: URL(fileURLWithPath: corrupt))
            #expect(throws: PasswordListError(.readFailed, "")) { try CommonPasswordList.load(path: corrupt) }
        }
    }

    @Test("a file that is not a text list is refused without quoting it")
    func notAList() throws {
        try TemporaryDirectory.with { directory in
            let long = directory + "/long.txt"
            try Data(("ok\n" + String(repeating: "hunter2", count: 300) + "\n").utf8)
                .write(to: URL(fileURLWithPath: long))
            let error = #expect(throws: PasswordListError.self) { try CommonPasswordList.load(path: long) }
            #expect(error?.code == .malformed)
            #expect(error?.description.contains("line 2") == true)
            #expect(error?.description.contains("hunter2") == false)

            let binary = directory + "/binary.pwd"
            try Data([0x68, 0x75, 0x6E, 0x00, 0x74, 0x65, 0x72, 0x0A]).write(to: URL(fileURLWithPath: binary))
            #expect(throws: PasswordListError(.malformed, "")) { try CommonPasswordList.load(path: binary) }

            let empty = directory + "/empty.txt"
            try Data().write(to: URL(fileURLWithPath: empty))
            #expect(try CommonPasswordList.load(path: empty).count == 0)
        }
    }
}
