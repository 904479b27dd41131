import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of long work on standard error: on a terminal, one bar redrawn in place with the rate and the time
/// left; otherwise (a log, a pipe) a plain line at most every few seconds, so logs stay readable.
final class ProgressBar: Sendable {
    private struct State {
        var first: (instant: ContinuousClock.Instant, done: Int64)?
        var lastPlain: ContinuousClock.Instant?
        var drewBar = false
    }

    private let label: String
    private let isTerminal: Bool
    private let plainInterval: Duration
    private let state = Mutex(State())

    /// Creates a display.
    /// - Parameters:
    ///   - label: What is shown before the numbers.
    ///   - isTerminal: Whether standard error is a terminal (default: asked of the system).
    ///   - plainInterval: How often plain lines are written (default 2 s).
    init(label: String, isTerminal: Bool = isatty(STDERR_FILENO) == 1, plainInterval: Duration = .seconds(2)) {
        self.label = label
        self.isTerminal = isTerminal
        self.plainInterval = plainInterval
    }

    /// Shows `done` of `total`, with `detail` after the numbers.
    func show(done: Int64, total: Int64, detail: String? = nil, force: Bool = false) {
        let now = ContinuousClock.now
        let (isTerminal, plainInterval, label) = (self.isTerminal, self.plainInterval, self.label)
        let output: String? = state.withLock { state in
            if state.first == nil { state.first = (now, done) }
            let line = Self.line(
                label: label, done: done, total: total, detail: detail,
                rate: Self.rate(from: state.first, done: done, now: now)
            )
            if isTerminal {
                state.drewBar = true
                // Carriage return, the bar, then clear what a longer previous line left behind.
                return "\r" + Self.bar(done: done, total: total) + " " + line + "\u{1B}[K"
            }
            guard force || state.lastPlain.map({ now - $0 >= plainInterval }) ?? true else { return nil }
            state.lastPlain = now
            return line + "\n"
        }
        if let output { FileHandle.standardError.write(Data(output.utf8)) }
    }

    /// Writes `message` on a line of its own (`tessera: message`), ending the bar's line first on a terminal.
    func note(_ message: String) {
        let drew = state.withLock { state in
            defer { state.drewBar = false }
            return state.drewBar
        }
        FileHandle.standardError.write(Data(((drew ? "\n" : "") + "tessera: \(message)\n").utf8))
    }

    /// Ends the bar's line (on a terminal).
    func finish() {
        let drew = state.withLock { state in
            defer { state.drewBar = false }
            return state.drewBar
        }
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Items per second since the first update, nil until there is something to measure.
    private static func rate(
        from first: (instant: ContinuousClock.Instant, done: Int64)?,
        done: Int64,
        now: ContinuousClock.Instant
    ) -> Double? {
        guard let first, done > first.done else { return nil }
        let elapsed = now - first.instant
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done - first.done) / seconds : nil
    }

    /// `label: done/total (pct), rate/s, ETA …, detail`.
    static func line(label: String, done: Int64, total: Int64, detail: String?, rate: Double?) -> String {
        let percent = total > 0 ? min(100, Int(Double(done) * 100 / Double(total))) : 100
        var text = "\(label): \(done)/\(total) (\(percent)%)"
        if let rate {
            text += ", \(Int(rate.rounded()))/s"
            let left = max(0, total - done)
            text += ", ETA \(duration(seconds: rate > 0 ? Double(left) / rate : 0))"
        }
        if let detail { text += ", \(detail)" }
        return text
    }

    /// `[#########.....]`, 30 wide.
    static func bar(done: Int64, total: Int64) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * 30)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "]"
    }

    /// `42s`, `3m05s`, `2h10m`.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }
}
