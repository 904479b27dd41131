import TesseraWire

/// One entry of a caller's `allow` list: an exact method name, every method of a service
/// (`tessera.v1.Passwords/*`), or every method (`*`).
public struct MethodPermission: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case everything
        case service(String)
        case method(String)
    }

    private let base: Base

    /// Parses an `allow` entry.
    ///
    /// - Parameter pattern: `*`, `<service>/*` or `<service>/<method>`.
    /// - Returns: `nil` when the pattern is empty or has another shape (such as `Passwords*`).
    public init?(_ pattern: String) {
        if pattern == "*" {
            self.base = .everything
            return
        }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[0].contains("*") else {
            return nil
        }
        if parts[1] == "*" {
            self.base = .service(String(parts[0]))
        } else if parts[1].contains("*") {
            return nil
        } else {
            self.base = .method(pattern)
        }
    }

    /// Whether this entry allows the method.
    ///
    /// - Parameter method: A method of the ``MethodCatalog``.
    /// - Returns: `true` when the entry covers it.
    public func allows(_ method: MethodDescriptor) -> Bool {
        switch base {
        case .everything: true
        case .service(let service): method.service == service && !method.needsOwnGrant
        case .method(let name): method.name == name
        }
    }

    /// The pattern as written.
    public var description: String {
        switch base {
        case .everything: "*"
        case .service(let service): "\(service)/*"
        case .method(let name): name
        }
    }
}
