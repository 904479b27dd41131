/// What ``KeyringManager/rotateRootKey(store:from:to:audit:now:)`` did.
public enum RootKeyRotation: Sendable, Hashable {
    /// Every master key version (and the purpose keys' derivation base) is now wrapped under the new root key.
    case rotated(versions: Int)
    /// The keyring was already under the new root key (a run after one that committed): nothing was changed.
    case alreadyRotated
}
