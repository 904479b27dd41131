import Foundation

/// Measures a rate and its baseline in alternating rounds, so that a machine whose speed drifts during the run
/// (other load on the host, CPU frequency, a noisy neighbour) moves both sides alike instead of skewing their
/// ratio.
///
/// The rounds run in the order A B, B A, A B, …: a drift that is steady over the run then weighs equally on both
/// sides. Each side's result is the mean of its rounds; the ratio of each round is kept, so the report shows how
/// much the machine moved under the measurement.
struct Alternation {
    /// The rounds per side unless a benchmark says otherwise.
    static let defaultRounds = 3

    /// The mean rate under test.
    let measured: Double
    /// The mean rate of the baseline.
    let baseline: Double
    /// measured ÷ baseline in each round, in order.
    let roundRatios: [Double]

    /// Up to this many rounds, the summary lists every round's ratio; beyond, it gives their statistics.
    static let listedRounds = 5

    /// For the row's baseline line: how it was measured and the ratio of each round, or for many rounds the mean
    /// of those ratios with the half-width of its 95% interval (Student's t) and their range.
    var summary: String {
        let count = roundRatios.count
        guard count > Self.listedRounds else {
            let ratios = roundRatios.map { String(format: "%.3f", $0) }.joined(separator: " / ")
            return "\(count) alternating rounds, ratios \(ratios)"
        }
        let mean = roundRatios.reduce(0, +) / Double(count)
        let variance = roundRatios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count - 1)
        let halfWidth = Self.studentT975(degreesOfFreedom: count - 1) * (variance / Double(count)).squareRoot()
        return String(
            format: "%d alternating rounds, ratio per round %.3f ± %.3f (95%% interval of the mean), range %.3f–%.3f",
            count, mean, halfWidth, roundRatios.min() ?? 0, roundRatios.max() ?? 0
        )
    }

    /// The 97.5th percentile of Student's t distribution, for a two-sided 95% interval: tabled up to 30 degrees of
    /// freedom, then approximated (within 0.005) by its approach to the normal distribution's 1.960.
    static func studentT975(degreesOfFreedom: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        guard degreesOfFreedom > table.count else { return table[max(1, degreesOfFreedom) - 1] }
        return 1.960 + (table[table.count - 1] - 1.960) * Double(table.count) / Double(degreesOfFreedom)
    }

    /// Runs `measured` and `baseline` `rounds` times each, alternating.
    ///
    /// - Parameters:
    ///   - rounds: Rounds per side, at least one.
    ///   - measured: One measurement of the rate under test.
    ///   - baseline: One measurement of its baseline.
    /// - Returns: The mean of each side and the ratio of each round.
    /// - Throws: What a measurement throws.
    static func run(
        rounds: Int = defaultRounds,
        measured: () async throws -> Double,
        baseline: () async throws -> Double
    ) async throws -> Alternation {
        var pairs: [(measured: Double, baseline: Double)] = []
        for round in 0..<max(1, rounds) {
            if round.isMultiple(of: 2) {
                let value = try await measured()
                pairs.append((value, try await baseline()))
            } else {
                let base = try await baseline()
                pairs.append((try await measured(), base))
            }
        }
        let count = Double(pairs.count)
        return Alternation(
            measured: pairs.map(\.measured).reduce(0, +) / count,
            baseline: pairs.map(\.baseline).reduce(0, +) / count,
            roundRatios: pairs.map { $0.baseline > 0 ? $0.measured / $0.baseline : 0 }
        )
    }
}
