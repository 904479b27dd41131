import Foundation
import TesseraAuth
import Testing

@Suite("Auth clock")
struct AuthClockTests {
    @Test("a fixed clock reads what it was given")
    func fixed() {
        let instant = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(AuthClock { instant }.now == instant)
    }
}
