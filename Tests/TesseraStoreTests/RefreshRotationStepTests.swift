import Foundation
import TesseraStore
import Testing

/// The rotation rules as pure logic, without a database; the conformance suite races them on both backends.
@Suite("Refresh rotation rules")
struct RefreshRotationStepTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func session(rotatedAt: Date? = nil, revokedAt: Date? = nil, expiresIn: TimeInterval = 3600) -> SessionRecord
    {
        SessionRecord(
            id: UUID(), userID: UUID(), refreshTokenHash: Array(repeating: 1, count: 32),
            expiresAt: start.addingTimeInterval(expiresIn), deviceInfo: [:], createdAt: start, lastUsed: nil,
            familyID: UUID(), parentID: nil, rotationCounter: 3, rotatedAt: rotatedAt, revokedAt: revokedAt
        )
    }

    static func step(_ session: SessionRecord, at offset: TimeInterval) -> RefreshRotationStep {
        session.rotationStep(
            newHash: Array(repeating: 2, count: 32), newExpiresAt: start.addingTimeInterval(7200),
            now: start.addingTimeInterval(offset), graceWindow: .seconds(10)
        )
    }

    @Test("a current, unexpired token rotates to a successor in the same family")
    func rotates() throws {
        let old = Self.session()
        guard case .rotate(let successor) = Self.step(old, at: 5) else {
            Issue.record("expected a rotation")
            return
        }
        #expect(successor.familyID == old.familyID)
        #expect(successor.parentID == old.id)
        #expect(successor.rotationCounter == 4)
        #expect(successor.refreshTokenHash == Array(repeating: 2, count: 32))
        #expect(successor.isCurrent)
        #expect(successor.id != old.id)
    }

    @Test("a second presentation within the grace window reports the current token; after it, revokes the family")
    func graceWindow() {
        let old = Self.session(rotatedAt: Self.start.addingTimeInterval(100))
        #expect(Self.step(old, at: 105) == .reportCurrent(familyID: old.familyID))
        #expect(Self.step(old, at: 110) == .reportCurrent(familyID: old.familyID))
        #expect(Self.step(old, at: 110.5) == .revokeFamily(old.familyID))
    }

    @Test("revoked beats everything; expired tokens are refused")
    func refusals() {
        let revoked = Self.session(rotatedAt: Self.start, revokedAt: Self.start)
        #expect(Self.step(revoked, at: 1) == .refuse(.revoked))
        #expect(Self.step(Self.session(expiresIn: 60), at: 60) == .refuse(.expired))
    }

    @Test("a family's absolute end caps every successor's expiry, and refuses at and after it")
    func familyEnd() throws {
        var old = Self.session()
        old.familyExpiresAt = Self.start.addingTimeInterval(1800)
        guard case .rotate(let successor) = Self.step(old, at: 5) else {
            Issue.record("expected a rotation")
            return
        }
        #expect(successor.expiresAt == Self.start.addingTimeInterval(1800))
        #expect(successor.familyExpiresAt == old.familyExpiresAt)
        #expect(Self.step(old, at: 1800) == .refuse(.expired))
        #expect(Self.step(old, at: 3000) == .refuse(.expired))
    }
}
