import Synchronization
import TesseraCrypto
import TesseraWire

/// The callers the server knows, with their credentials, permissions and rate-limit buckets.
///
/// Shared by every connection; ``replace(with:)`` swaps the list at run time (on SIGHUP or when the file
/// changes) while buckets of callers that remain are kept.
///
/// Authentication (see ``authenticate(authorization:certificateSubject:)``) never reveals which part failed
/// beyond "missing", "malformed" or "unknown", and compares digests in constant time against every caller.
public final class CallerRegistry: Sendable {
    private struct State: Sendable {
        var callers: [Caller]
        var buckets: [String: TokenBucket]
    }

    private let state: Mutex<State>

    /// Creates a registry from a callers file.
    ///
    /// - Parameter file: The decoded callers file.
    /// - Throws: ``CallerRegistryError`` for an unusable file.
    public init(file: CallersFile) throws {
        let callers = try Self.validate(file)
        self.state = Mutex(State(callers: callers, buckets: [:]))
    }

    /// Creates a registry from validated callers (for tests and embedders).
    ///
    /// - Parameter callers: The callers; their ids and certificate subjects must be distinct.
    /// - Throws: ``CallerRegistryError`` when two callers share an id or a certificate subject.
    public convenience init(callers: [Caller]) throws {
        try self.init(file: CallersFile())
        try self.replace(callers: callers)
    }

    /// Reads a callers file and creates a registry from it.
    ///
    /// - Parameter path: The file's path.
    /// - Returns: The registry.
    /// - Throws: A file-system or JSON error, or ``CallerRegistryError``.
    public static func load(from path: String) throws -> CallerRegistry {
        try CallerRegistry(file: CallersFile.load(from: path))
    }

    /// Replaces the callers with those of a new file, keeping the rate-limit buckets of callers that remain.
    ///
    /// - Parameter file: The new file.
    /// - Throws: ``CallerRegistryError`` for an unusable file; the registry is unchanged then.
    public func replace(with file: CallersFile) throws {
        try replace(callers: try Self.validate(file))
    }

    private func replace(callers: [Caller]) throws {
        try Self.requireDistinct(callers)
        state.withLock { state in
            state.callers = callers
            let ids = Set(callers.map(\.id))
            state.buckets = state.buckets.filter { ids.contains($0.key) }
        }
    }

    /// The callers, in file order.
    public var callers: [Caller] { state.withLock { $0.callers } }

    /// Identifies the caller of a call.
    ///
    /// An `authorization` value takes precedence: it must be `Bearer <tsc_ token>`, and when it is present but
    /// invalid the call fails even if a client certificate would identify a caller. A caller configured with both a
    /// credential and a `certificate_subject` needs both, and they must be its own: its credential on a connection
    /// whose verified client certificate has its subject. Without `authorization`, a client certificate identifies
    /// only a caller configured with no credential, so a certificate cannot stand in for a caller's bearer.
    ///
    /// - Parameters:
    ///   - authorization: The `authorization` metadata value, if any.
    ///   - certificateSubject: The verified client certificate's subject common name, if any (mutual TLS).
    /// - Returns: The caller, or an `UNAUTHENTICATED` ``CallError``.
    public func authenticate(authorization: String?, certificateSubject: String?) -> Result<Caller, CallError> {
        if let authorization {
            guard let credential = Self.bearerCredential(authorization) else {
                return .failure(CallError(.unauthenticated, "authorization must be 'Bearer <caller token>'"))
            }
            let token: OpaqueToken
            do {
                token = try OpaqueToken.parse(credential, expecting: .caller)
            } catch {
                return .failure(CallError(.unauthenticated, "malformed caller credential"))
            }
            let digest = token.digest
            let callers = self.callers
            // Compare against every caller so the time taken does not depend on which (if any) matched.
            var found: Caller?
            for caller in callers {
                if let stored = caller.credentialDigest, stored == digest, found == nil {
                    found = caller
                }
            }
            guard let found else {
                return .failure(CallError(.unauthenticated, "unknown caller credential"))
            }
            if let required = found.certificateSubject, required != certificateSubject {
                return .failure(
                    CallError(.unauthenticated, "this caller credential needs the caller's client certificate")
                )
            }
            return .success(found)
        }
        if let certificateSubject,
            let caller = callers.first(where: { $0.certificateSubject == certificateSubject }),
            caller.credentialDigest == nil
        {
            return .success(caller)
        }
        return .failure(CallError(.unauthenticated, "missing caller credential"))
    }

    /// Takes one call from the caller's token bucket.
    ///
    /// - Parameters:
    ///   - caller: The authenticated caller.
    ///   - now: The current instant.
    /// - Returns: `false` when the caller is over its rate limit.
    public func admit(_ caller: Caller, now: ContinuousClock.Instant = .now) -> Bool {
        guard let limit = caller.rateLimit else { return true }
        return state.withLock { state in
            var bucket =
                state.buckets[caller.id]
                ?? TokenBucket(capacity: limit.burst, refillPerSecond: limit.perSecond, now: now)
            let admitted = bucket.tryTake(now: now)
            state.buckets[caller.id] = bucket
            return admitted
        }
    }

    /// The credential of a `Bearer` authorization value (scheme case-insensitive, one space).
    private static func bearerCredential(_ value: String) -> String? {
        let scheme = "bearer "
        guard value.utf8.count > scheme.utf8.count,
            value.utf8.prefix(scheme.utf8.count).map({ $0 | 0x20 }).elementsEqual(scheme.utf8)
        else {
            return nil
        }
        return String(value.dropFirst(scheme.count))
    }

    private static func validate(_ file: CallersFile) throws -> [Caller] {
        let callers = try file.callers.map(Caller.init)
        try requireDistinct(callers)
        return callers
    }

    /// Refuses two callers with one id, or with one certificate subject (a certificate would then identify
    /// whichever came first in the file).
    private static func requireDistinct(_ callers: [Caller]) throws {
        guard Set(callers.map(\.id)).count == callers.count else {
            throw CallerRegistryError("caller ids must be distinct")
        }
        var subjects: [String: String] = [:]
        for caller in callers {
            guard let subject = caller.certificateSubject else { continue }
            if let other = subjects.updateValue(caller.id, forKey: subject) {
                throw CallerRegistryError(
                    "callers \(other) and \(caller.id) have the same certificate_subject; each must be distinct"
                )
            }
        }
    }
}
