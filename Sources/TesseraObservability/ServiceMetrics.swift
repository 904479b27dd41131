import CoreMetrics
import Metrics
import TesseraWire

/// The metric handles the RPC server records into, created once and cached.
///
/// Every label value comes from a closed set fixed at initialisation: method names from the server's catalog
/// (any other name is recorded as ``unknownMethod``, so a client sending random method names cannot create
/// new time series), gRPC status names from ``StatusCode``, and protocol-error reasons from ``WireError/Code``.
/// Nothing taken from a request body, a credential or a caller's metadata is ever a label.
///
/// All handles are created in ``init(methods:factory:)``, which also makes every series visible at zero before
/// the first call (so rates and alerts work from the first scrape). Create one per process and share it: the
/// backend hands every instance the same underlying series, so two instances would count into the same values. Recording is lock-free apart from the
/// backend's own atomics; the type is a value holding only immutable tables of `Sendable` handles.
public struct ServiceMetrics: Sendable {
    /// The `method` label recorded for a method name outside the catalog.
    public static let unknownMethod = "unknown"

    /// The `reason` label recorded for a protocol error whose code this version does not list.
    public static let otherReason = "other"

    /// Handles for one method label.
    private struct MethodHandles: Sendable {
        let duration: Metrics.Timer
        let callsByCode: [StatusCode: Counter]
    }

    private let byMethod: [String: MethodHandles]
    private let unknown: MethodHandles
    private let callsInFlight: Meter
    private let connectionsOpen: Meter
    private let connectionsAccepted: Counter
    private let connectionsRejected: Counter
    private let protocolErrorsByReason: [WireError.Code: Counter]
    private let otherProtocolErrors: Counter
    private let argon2Depth: Meter
    private let argon2RejectedCounter: Counter

    /// Creates every handle.
    ///
    /// - Parameters:
    ///   - methods: The method names the server serves (`"tessera.v1.<Service>/<Method>"`); defaults to
    ///     `MethodCatalog.all`. Only these (and ``unknownMethod``) ever appear as `method` labels.
    ///   - factory: The swift-metrics backend; defaults to the bootstrapped `MetricsSystem.factory`. Tests pass
    ///     `MetricsBootstrap.makeFactory(registry:)` with a registry of their own.
    public init(
        methods: some Sequence<String> = MethodCatalog.all.map(\.name),
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        func makeHandles(_ method: String) -> MethodHandles {
            var byCode: [StatusCode: Counter] = [:]
            for code in Self.allStatusCodes {
                byCode[code] = Counter(
                    label: MetricName.rpcCalls,
                    dimensions: [("method", method), ("code", code.description)],
                    factory: factory
                )
            }
            return MethodHandles(
                duration: Metrics.Timer(
                    label: MetricName.rpcDuration, dimensions: [("method", method)], factory: factory
                ),
                callsByCode: byCode
            )
        }
        var byMethod: [String: MethodHandles] = [:]
        for method in methods where method != Self.unknownMethod && byMethod[method] == nil {
            byMethod[method] = makeHandles(method)
        }
        self.byMethod = byMethod
        self.unknown = makeHandles(Self.unknownMethod)

        self.callsInFlight = Meter(label: MetricName.rpcCallsInFlight, factory: factory)
        self.connectionsOpen = Meter(label: MetricName.connectionsOpen, factory: factory)
        self.connectionsAccepted = Counter(label: MetricName.connectionsAccepted, factory: factory)
        self.connectionsRejected = Counter(label: MetricName.connectionsRejected, factory: factory)

        var byReason: [WireError.Code: Counter] = [:]
        for code in Self.allWireErrorCodes {
            byReason[code] = Counter(
                label: MetricName.protocolErrors, dimensions: [("reason", Self.reasonLabel(code))], factory: factory
            )
        }
        self.protocolErrorsByReason = byReason
        self.otherProtocolErrors = Counter(
            label: MetricName.protocolErrors, dimensions: [("reason", Self.otherReason)], factory: factory
        )

        self.argon2Depth = Meter(label: MetricName.argon2QueueDepth, factory: factory)
        self.argon2RejectedCounter = Counter(label: MetricName.argon2Rejected, factory: factory)
    }

    /// The `method` label a call to `method` is recorded under: the name itself when the catalog has it,
    /// else ``unknownMethod``.
    ///
    /// - Parameter method: The method name as received on the wire.
    /// - Returns: A label value from the closed set.
    public func methodLabel(for method: String) -> String {
        self.byMethod[method] == nil ? Self.unknownMethod : method
    }

    /// Records that a call frame arrived and its handling started (``MetricName/rpcCallsInFlight`` + 1).
    ///
    /// Pair every call with exactly one ``callFinished(method:code:duration:)``.
    ///
    /// - Parameter method: The method name as received on the wire (unused today beyond symmetry, so a later
    ///   per-method in-flight gauge needs no change at the call sites).
    public func callStarted(method: String) {
        self.callsInFlight.increment()
    }

    /// Records a finished call: its outcome, its duration, and one call fewer in flight.
    ///
    /// - Parameters:
    ///   - method: The method name as received on the wire; outside the catalog it counts as ``unknownMethod``.
    ///   - code: The status sent in the reply (or the one the call ended with when no reply could be sent).
    ///   - duration: From the call frame's arrival to the reply being handed to the connection.
    public func callFinished(method: String, code: StatusCode, duration: Duration) {
        let handles = self.byMethod[method] ?? self.unknown
        handles.callsByCode[code]?.increment()
        handles.duration.record(duration: duration)
        self.callsInFlight.decrement()
    }

    /// Records an accepted client connection (open gauge + 1, accepted counter + 1).
    public func connectionOpened() {
        self.connectionsOpen.increment()
        self.connectionsAccepted.increment()
    }

    /// Records that an accepted connection closed, for whatever reason (open gauge − 1).
    public func connectionClosed() {
        self.connectionsOpen.decrement()
    }

    /// Records a connection refused because the server's connection limit was reached.
    public func connectionRejected() {
        self.connectionsRejected.increment()
    }

    /// Records a wire-protocol violation answered with a `go_away`.
    ///
    /// - Parameter code: The violation; its name in snake case (e.g. `frame_too_large`) is the `reason` label.
    public func protocolError(_ code: WireError.Code) {
        (self.protocolErrorsByReason[code] ?? self.otherProtocolErrors).increment()
    }

    /// Sets the number of password hashing jobs waiting for an Argon2 worker.
    ///
    /// - Parameter depth: Jobs queued (not those running), as counted by the hasher's admission control.
    public func argon2QueueDepth(_ depth: Int) {
        self.argon2Depth.set(depth)
    }

    /// Records a password hashing job refused because the Argon2 queue was full.
    public func argon2Rejected() {
        self.argon2RejectedCounter.increment()
    }

    /// Records `count` password hashing jobs refused because the Argon2 queue was full, for callers that learn
    /// of rejections in batches (a delta of the hasher's running count); nothing when `count` is not positive.
    ///
    /// - Parameter count: The rejections since the last time they were recorded.
    public func argon2Rejected(count: Int) {
        guard count > 0 else { return }
        self.argon2RejectedCounter.increment(by: Int64(count))
    }

    /// The label value of a protocol-error reason: the code's name in snake case (`frameTooLarge` →
    /// `frame_too_large`, `duplicateCallID` → `duplicate_call_id`).
    ///
    /// - Parameter code: The wire error code.
    /// - Returns: The `reason` label.
    static func reasonLabel(_ code: WireError.Code) -> String {
        var label = ""
        var previousWasLowercase = false
        for character in code.description {
            if character.isUppercase && previousWasLowercase {
                label.append("_")
            }
            previousWasLowercase = character.isLowercase
            label.append(contentsOf: character.lowercased())
        }
        return label
    }

    /// Every gRPC status code, 0 to 16.
    static let allStatusCodes: [StatusCode] = (0...16).compactMap { StatusCode(rawValue: $0) }

    /// Every wire error code this version knows; a code added later is counted as ``otherReason`` until it is
    /// listed here.
    static let allWireErrorCodes: [WireError.Code] = [
        .frameTooLarge, .emptyFrame, .malformedFrame, .missingFrameKind, .unexpectedFrameKind, .invalidCallID,
        .duplicateCallID, .truncatedFrame, .frameTimeout,
    ]
}
