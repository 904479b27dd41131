import TesseraServer
import TesseraStore
import TesseraWire
import Testing

@testable import TesseraAdminServices
@testable import TesseraAuthServices

/// The status a caller gets for a store failure, from the flows' services and the admin service alike: what it may
/// do about it, and none of the store's text.
@Suite("Store failures as call statuses")
struct StoreErrorStatusTests {
    static let cases: [(StoreError.Code, StatusCode)] = [
        (.connection, .unavailable),
        (.conflict, .aborted),
        (.backend, .internal),
        (.invalidValue, .internal),
    ]

    @Test("connection is UNAVAILABLE, conflict ABORTED, every other store failure INTERNAL; no store text")
    func statuses() {
        for (code, status) in Self.cases {
            let error = StoreError(code, "store-side text")
            for mapped in [AuthCallError.from(error), AdminWire.callError(error)] {
                #expect(mapped.code == status, "\(code)")
                #expect(!mapped.message.contains("store-side text"))
                if status != .internal {
                    #expect(mapped.message.hasSuffix("retry"), "\(code): \(mapped.message)")
                }
            }
        }
    }
}
