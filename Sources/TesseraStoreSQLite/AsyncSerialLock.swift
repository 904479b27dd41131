/// A fair (first come, first served) lock for async code, held across suspension points.
///
/// SQLite allows one writer at a time, and a transaction spans several awaits on one connection, so every
/// operation of ``SQLiteStore`` runs under this lock.
actor AsyncSerialLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` while holding the lock.
    nonisolated func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        await self.acquire()
        do {
            let result = try await body()
            await self.release()
            return result
        } catch {
            await self.release()
            throw error
        }
    }

    private func acquire() async {
        guard self.locked else {
            self.locked = true
            return
        }
        await withCheckedContinuation { continuation in
            self.waiters.append(continuation)
        }
    }

    private func release() {
        if self.waiters.isEmpty {
            self.locked = false
        } else {
            // Ownership passes straight to the next waiter: `locked` stays true.
            self.waiters.removeFirst().resume()
        }
    }
}
