import Foundation

/// The results of one benchmark run: rows of measurements, each optionally beside a baseline measured in the
/// same run, so that ratios (not absolute numbers from another day or machine) carry the claims.
public struct BenchReport: Codable, Sendable {
    /// One measurement.
    public struct Row: Codable, Sendable {
        /// What was measured, e.g. `argon2id default policy, 2 threads`.
        public var name: String
        /// The measured rate or latency.
        public var value: Double
        /// The unit of ``value`` (`ops/s`, `ms`, …).
        public var unit: String
        /// The same work done by the baseline (e.g. the raw C call), in the same unit, if there is one.
        public var baseline: Double?
        /// What the baseline is.
        public var baselineName: String?
        /// The ratio the project aims for (value ÷ baseline ≥ target, for rates).
        public var target: Double?
        /// For a value that must match its baseline rather than beat it (e.g. two latencies that must not tell an
        /// attacker apart): the largest allowed |value ÷ baseline − 1|. A row has ``target`` or this, not both.
        public var tolerance: Double?
        /// For a value that has a bound of its own rather than a ratio (e.g. a lag that must stay under 2 s): the
        /// largest allowed value, in ``unit``.
        public var maximum: Double?

        /// value ÷ baseline, when there is a baseline.
        public var ratio: Double? {
            guard let baseline, baseline > 0 else { return nil }
            return value / baseline
        }

        /// Whether the row meets its ``target`` or ``tolerance``; nil when it has neither.
        public var meetsTarget: Bool? {
            if let maximum { return value <= maximum }
            if let tolerance {
                guard let ratio else { return false }
                return abs(ratio - 1) <= tolerance
            }
            guard let target else { return nil }
            return (ratio ?? 0) >= target
        }

        /// Creates a row.
        public init(
            name: String,
            value: Double,
            unit: String,
            baseline: Double? = nil,
            baselineName: String? = nil,
            target: Double? = nil,
            tolerance: Double? = nil,
            maximum: Double? = nil
        ) {
            self.name = name
            self.value = value
            self.unit = unit
            self.baseline = baseline
            self.baselineName = baselineName
            self.target = target
            self.tolerance = tolerance
            self.maximum = maximum
        }
    }

    /// A description of the machine the run was made on.
    public var machine: String
    /// When the run started.
    public var startedAt: Date
    /// The measurements, in the order they were made.
    public var rows: [Row]

    /// Creates an empty report for this machine.
    public init(rows: [Row] = []) {
        let info = ProcessInfo.processInfo
        self.machine =
            "\(info.activeProcessorCount) cores, \(info.physicalMemory / 1_048_576) MiB, \(info.operatingSystemVersionString)"
        self.startedAt = Date()
        self.rows = rows
    }

    /// The report as a plain-text table: name, value, baseline, ratio and whether the target is met.
    public var table: String {
        var lines = ["machine: \(machine)"]
        let nameWidth = max(40, rows.map(\.name.count).max() ?? 0)
        lines.append(
            pad("benchmark", nameWidth) + "  " + pad("value", 16) + "  " + pad("baseline", 16) + "  ratio   target"
        )
        for row in rows {
            let value = format(row.value) + " " + row.unit
            let baseline = row.baseline.map { format($0) + " " + row.unit } ?? "-"
            let ratio = row.ratio.map { String(format: "%.3f", $0) } ?? "-"
            let verdict = row.meetsTarget.map { $0 ? "met" : "MISSED" } ?? ""
            let target: String
            if let maximum = row.maximum {
                target = "≤ " + format(maximum) + " " + row.unit + " " + verdict
            } else if let tolerance = row.tolerance {
                target = String(format: "1 ± %.2f %@", tolerance, verdict)
            } else if let goal = row.target {
                target = String(format: "≥ %.2f %@", goal, verdict)
            } else {
                target = ""
            }
            lines.append(
                pad(row.name, nameWidth) + "  " + pad(value, 16) + "  " + pad(baseline, 16) + "  "
                    + pad(ratio, 6) + "  " + target)
            if let name = row.baselineName {
                lines.append(pad("", nameWidth) + "  (baseline: \(name))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }
}
