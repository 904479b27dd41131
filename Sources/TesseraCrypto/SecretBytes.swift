internal import CTesseraSodium
import Foundation

/// Bytes of key material or plaintext that are zeroed when released and never printed.
///
/// `SecretBytes` is an immutable value backed by a heap buffer it owns alone. When the last copy goes away the
/// buffer is overwritten with zeroes (libsodium's `sodium_memzero`, which the optimiser cannot remove). Long-lived
/// keys can ask for *locked* storage: the buffer is page-aligned and `mlock`ed so it is never written to swap
/// nor included in a core dump; where the platform refuses to lock (a low `RLIMIT_MEMLOCK`), the bytes are still
/// zeroed on release and ``isLocked`` says so.
///
/// Equality is constant-time. `description`, `debugDescription` and reflection show only the length.
public struct SecretBytes: Sendable {
    @usableFromInline
    let storage: Storage

    /// Creates secret bytes by copying a sequence. The source is not zeroed: prefer ``init(zeroing:)`` for arrays.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to copy.
    ///   - locked: Whether to lock the storage in RAM (for long-lived keys).
    public init(copying bytes: some Sequence<UInt8>, locked: Bool = false) {
        // Copy straight from contiguous sources; otherwise through a temporary array that is wiped afterwards,
        // so the only copy made here is the zeroing storage.
        let direct = bytes.withContiguousStorageIfAvailable { buffer in
            Self.makeStorage(copying: UnsafeRawBufferPointer(buffer), locked: locked)
        }
        if let direct {
            self.storage = direct
            return
        }
        var array = Array(bytes)
        defer { array.withUnsafeMutableBytes { tessera_memzero($0.baseAddress, $0.count) } }
        self.storage = array.withUnsafeBytes { Self.makeStorage(copying: $0, locked: locked) }
    }

    private static func makeStorage(copying source: UnsafeRawBufferPointer, locked: Bool) -> Storage {
        let storage = Storage(count: source.count, locked: locked)
        if let base = source.baseAddress, source.count > 0 {
            storage.pointer.copyMemory(from: base, byteCount: source.count)
        }
        return storage
    }

    /// Creates secret bytes from an array and zeroes the array afterwards.
    ///
    /// - Parameters:
    ///   - bytes: The array to take; it is left zero-filled, with its length unchanged.
    ///   - locked: Whether to lock the storage in RAM.
    public init(zeroing bytes: inout [UInt8], locked: Bool = false) {
        self.init(copying: bytes, locked: locked)
        bytes.withUnsafeMutableBytes { tessera_memzero($0.baseAddress, $0.count) }
    }

    /// Creates secret bytes by letting a closure write them in place, so they never exist elsewhere.
    ///
    /// - Parameters:
    ///   - count: The number of bytes.
    ///   - locked: Whether to lock the storage in RAM.
    ///   - initializer: Writes all `count` bytes. The buffer starts zero-filled.
    /// - Throws: Whatever `initializer` throws; the storage is zeroed and released then.
    public init(
        count: Int,
        locked: Bool = false,
        initializingWith initializer: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        self.storage = Storage(count: count, locked: locked)
        try initializer(UnsafeMutableRawBufferPointer(start: storage.pointer, count: count))
    }

    /// Returns `count` bytes from the OS CSPRNG.
    ///
    /// - Parameters:
    ///   - count: The number of random bytes (32 for an AES-256 key).
    ///   - locked: Whether to lock the storage in RAM.
    public static func random(count: Int, locked: Bool = false) -> SecretBytes {
        SecretBytes(count: count, locked: locked) { SecureRandom.fill($0) }
    }

    /// The number of bytes held.
    public var count: Int { storage.count }

    /// Whether the bytes are empty.
    public var isEmpty: Bool { storage.count == 0 }

    /// Whether the storage is locked in RAM (requested and granted by the platform).
    public var isLocked: Bool { storage.locked }

    /// Calls `body` with a read-only view of the bytes; the view must not escape the closure.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }
}

extension SecretBytes {
    /// The heap buffer behind ``SecretBytes``; zeroes (and unlocks) itself in `deinit`.
    ///
    /// `@unchecked Sendable` is safe: the bytes are written only during `SecretBytes`' initialisers, before the
    /// storage is shared, and are read-only afterwards; `deinit` runs once no reference remains.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let count: Int
        let allocated: Int
        let locked: Bool

        init(count: Int, locked wantLocked: Bool) {
            precondition(count >= 0, "a byte count cannot be negative")
            Sodium.ensureInitialised()
            self.count = count
            if wantLocked {
                // Page-aligned and page-sized, so unlocking this buffer never unlocks a neighbour's page.
                let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
                let size = max(page, (count + page - 1) / page * page)
                self.allocated = size
                self.pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: page)
                self.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
                self.locked = tessera_mlock(pointer, size) == 0
            } else {
                self.allocated = max(count, 1)
                self.pointer = UnsafeMutableRawPointer.allocate(byteCount: allocated, alignment: 16)
                self.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: allocated)
                self.locked = false
            }
        }

        @usableFromInline
        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try body(UnsafeRawBufferPointer(start: pointer, count: count))
        }

        deinit {
            if locked {
                _ = tessera_munlock(pointer, allocated)  // zeroes before unlocking
            }
            tessera_memzero(pointer, allocated)
            pointer.deallocate()
        }
    }
}

extension SecretBytes: Equatable {
    /// Constant-time comparison of the contents (lengths are compared first and are not secret).
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in tessera_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }
}

extension SecretBytes: ContiguousBytes {}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shows the length only, never the bytes.
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }

    /// Shows the length only, never the bytes.
    public var debugDescription: String { description }

    /// Hides the storage from `dump` and debuggers that walk mirrors.
    public var customMirror: Mirror { Mirror(self, children: ["count": count], displayStyle: .struct) }
}
