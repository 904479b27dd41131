/// When the keyring warns about, and optionally rotates away from, a master key version that has wrapped many data
/// keys or grown old.
///
/// Every data key is wrapped by AES-256-GCM under the active master key with a random 96-bit nonce. NIST SP
/// 800-38D (section 8.3) limits a key used with random nonces to 2^32 invocations, which keeps the chance of a
/// repeated nonce (fatal for GCM: it leaks the XOR of two plaintexts and the authentication key) below 2^-32. The
/// default warning at 2^30 wrappings, a quarter of the limit, leaves three quarters of it for an operator to react
/// (see docs/keyring.md, "Usage limits").
public struct KeyringUsagePolicy: Sendable, Hashable {
    /// NIST SP 800-38D's limit for one key with random 96-bit nonces: 2^32 encryptions.
    public static let nistRandomNonceLimit: Int64 = 1 << 32

    /// Warn (metric, `Health/Check` detail, log) once the active version has wrapped this many data keys
    /// (default 2^30).
    public var warnAfterWraps: Int64
    /// Rotate automatically once the active version has wrapped this many data keys (default nil: never). At most
    /// ``nistRandomNonceLimit``.
    public var rotateAfterWraps: Int64?
    /// Rotate automatically once the active version is this old (default nil: never).
    public var rotateAfterAge: Duration?

    /// Creates a policy.
    /// - Parameters:
    ///   - warnAfterWraps: The warning threshold (default 2^30).
    ///   - rotateAfterWraps: Rotate after this many wraps (default never).
    ///   - rotateAfterAge: Rotate after this age (default never).
    public init(warnAfterWraps: Int64 = 1 << 30, rotateAfterWraps: Int64? = nil, rotateAfterAge: Duration? = nil) {
        self.warnAfterWraps = warnAfterWraps
        self.rotateAfterWraps = rotateAfterWraps
        self.rotateAfterAge = rotateAfterAge
    }
}
