internal import CTesseraSodium

/// One-time initialisation of libsodium, done lazily by the first type that needs it.
enum Sodium {
    /// `true` once `sodium_init` has succeeded; evaluated at most once (Swift globals are lazy and thread-safe).
    private static let initialised: Bool = tessera_sodium_init() >= 0

    /// Makes sure libsodium is initialised before any of its functions is used.
    ///
    /// `sodium_init` only fails when the OS offers no randomness source at all; nothing in Tessera can work
    /// securely then, so this stops the process rather than continue with a broken CSPRNG.
    static func ensureInitialised() {
        // Proof it cannot fire in a healthy process: sodium_init fails only without /dev/urandom or getrandom(2).
        precondition(initialised, "libsodium failed to initialise: no OS randomness source")
    }
}
