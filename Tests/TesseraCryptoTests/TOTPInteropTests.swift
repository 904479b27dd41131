import Foundation
import Testing

@testable import TesseraCrypto

/// Compares Tessera's TOTP with pyotp (PyPI), an independent implementation.
@Suite("TOTP interop with pyotp")
struct TOTPInteropTests {
    struct CodeRequest: Encodable {
        let secret: String
        let algorithm: String
        let digits: Int
        let period: Int
        let time: UInt64
    }

    struct Request: Encodable {
        var codes: [CodeRequest] = []
        var uris: [String] = []
    }

    struct ParsedURI: Decodable {
        let type: String
        let secret: String
        let issuer: String?
        let name: String
        let algorithm: String
        let digits: Int
        let period: Int?
    }

    struct Response: Decodable {
        let codes: [String]
        let uris: [ParsedURI]
    }

    @Test("pyotp computes the same codes for random secrets and times, every algorithm, 6–8 digits, 30/60 s")
    func codes() async throws {
        var request = Request()
        var expected: [String] = []
        var generator = SystemRandomNumberGenerator()
        for algorithm in TOTPAlgorithm.allCases {
            for digits in [6, 7, 8] {
                for period in [30, 60] {
                    let parameters = try TOTPParameters(algorithm: algorithm, digits: digits, periodSeconds: period)
                    for round in 0..<8 {
                        // Alternate recommended lengths with the 16-byte minimum and odd lengths (padding cases).
                        let length = [algorithm.recommendedSecretByteCount, 16, 21, 37][round % 4]
                        let secret = try TOTPSecret(bytes: .random(count: length))
                        let time = UInt64.random(in: 0...20_000_000_000, using: &generator)
                        expected.append(
                            try TOTP.code(
                                for: secret,
                                at: Date(timeIntervalSince1970: TimeInterval(time)),
                                parameters: parameters
                            )
                        )
                        request.codes.append(
                            CodeRequest(
                                secret: secret.revealBase32(),
                                algorithm: algorithm.uriName,
                                digits: digits,
                                period: period,
                                time: time
                            )
                        )
                    }
                }
            }
        }
        let response = try await Interop.run("totp_interop.py", input: request, as: Response.self)
        #expect(response.codes.count == expected.count)
        for (index, (ours, theirs)) in zip(expected, response.codes).enumerated() {
            let item = request.codes[index]
            #expect(
                ours == theirs,
                "\(item.algorithm) \(item.digits) digits \(item.period) s at \(item.time): \(ours) vs \(theirs)"
            )
        }
    }

    @Test("pyotp.parse_uri reads back the secret, issuer, name, algorithm, digits and period")
    func uris() async throws {
        let cases: [(String, String, TOTPParameters)] = [
            ("Tessera", "alice@example.com", .default),
            ("ACME Corp", "bob smith", try TOTPParameters(algorithm: .sha256, digits: 8, periodSeconds: 60)),
            (
                "Zürich Bank – Prod", "jürgen ops/admin?x=1&y=2",
                try TOTPParameters(algorithm: .sha512, digits: 7, periodSeconds: 30)
            ),
            ("東京", "ユーザー+1@例え.jp", try TOTPParameters(algorithm: .sha1, digits: 6, periodSeconds: 45)),
        ]
        var request = Request()
        var secrets: [String] = []
        for (issuer, account, parameters) in cases {
            let secret = TOTPSecret.generate(for: parameters.algorithm)
            secrets.append(secret.revealBase32())
            request.uris.append(
                try OTPAuthURI(secret: secret, issuer: issuer, account: account, parameters: parameters).revealString()
            )
        }
        let response = try await Interop.run("totp_interop.py", input: request, as: Response.self)
        try #require(response.uris.count == cases.count)
        for (index, (issuer, account, parameters)) in cases.enumerated() {
            let parsed = response.uris[index]
            #expect(parsed.type == "TOTP")
            #expect(parsed.secret == secrets[index])
            #expect(parsed.issuer == issuer)
            #expect(parsed.name == account)
            #expect(parsed.algorithm == parameters.algorithm.uriName)
            #expect(parsed.digits == parameters.digits)
            #expect(parsed.period == parameters.periodSeconds)
        }
    }
}
