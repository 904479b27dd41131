/// A dependency the server reports in `tessera.v1.Health/Check` (for example `store`), read on every check.
///
/// The check runs on the event loop of the Health call: it must answer from state kept up to date elsewhere (a
/// poll loop, a connection pool's counters) and never do I/O itself, so a Health flood cannot load a database.
public struct HealthComponent: Sendable {
    /// Whether a component can do its work.
    public enum Status: Sendable, Hashable {
        /// Ready.
        case serving
        /// Not ready, with a short reason that never contains a secret.
        case notServing(reason: String)
        /// Ready, with a warning for operators (reported as `SERVING` with the warning as its message; e.g. a master
        /// key version nearing its usage limit). Never contains a secret.
        case servingWithWarning(String)
    }

    /// The component's name as reported (`store`, `keyring`, …).
    public let name: String
    /// Reads the component's current status.
    public let status: @Sendable () -> Status

    /// Creates a component.
    ///
    /// - Parameters:
    ///   - name: The name reported in `ComponentHealth.name`.
    ///   - status: Reads the current status; cheap and free of I/O.
    public init(name: String, status: @escaping @Sendable () -> Status) {
        self.name = name
        self.status = status
    }
}
