/// Carries an error thrown by caller-supplied code (e.g. an audit sealing closure) through a backend's
/// transaction, so the backend rolls back and rethrows it unchanged instead of translating it into a
/// ``StoreError``.
package struct CallerError: Error {
    /// The caller's own error.
    package let underlying: any Error

    /// Wraps a caller's error.
    package init(_ underlying: any Error) {
        self.underlying = underlying
    }
}
