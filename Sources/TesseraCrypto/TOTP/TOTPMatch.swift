import Foundation

/// A successful TOTP verification: which time step the code belonged to, relative to the verifier's clock.
///
/// The verifier is stateless, so it accepts the same code again for as long as its step stays in the window.
/// The caller must refuse replays (RFC 6238 §5.2) by remembering, per user, the highest ``timeStep`` it has
/// accepted and refusing any match whose ``timeStep`` is not greater. Keeping the highest step (rather than the
/// set of used steps) also refuses an older code from the window once a newer one has been used.
public struct TOTPMatch: Sendable, Hashable, CustomStringConvertible {
    /// The RFC 6238 counter `T` of the matched code: `floor(unix time / period)` when it was current.
    public let timeStep: UInt64
    /// Where the matched step lies relative to the verifier's current step: 0 for the current step, -1 for
    /// the previous one (a slow user), +1 for the next one (a fast clock), and so on up to the window.
    public let offset: Int
    /// The instant the matched step ends.
    public let expiresAt: Date
    /// The time from the verification instant until the matched step ends; zero or negative when the code
    /// belongs to an earlier step and was accepted only thanks to the skew window.
    public let expiresIn: Duration

    /// Creates a match (used by ``TOTP/verify(code:secret:at:parameters:window:)`` and by tests).
    ///
    /// - Parameters:
    ///   - timeStep: The matched counter.
    ///   - offset: The matched step minus the current step.
    ///   - expiresAt: The instant the matched step ends.
    ///   - expiresIn: The time from verification until `expiresAt`.
    public init(timeStep: UInt64, offset: Int, expiresAt: Date, expiresIn: Duration) {
        self.timeStep = timeStep
        self.offset = offset
        self.expiresAt = expiresAt
        self.expiresIn = expiresIn
    }

    /// The step and offset (public values: they say nothing about the secret).
    public var description: String { "TOTPMatch(timeStep: \(timeStep), offset: \(offset))" }
}
