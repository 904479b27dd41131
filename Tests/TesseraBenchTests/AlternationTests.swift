import Synchronization
import Testing

@testable import TesseraBench

/// The alternating rounds of a rate and its baseline: order, means and per-round ratios.
@Suite("Alternation")
struct AlternationTests {
    @Test("Rounds alternate A B, B A, A B; each side is the mean of its rounds; each round keeps its ratio")
    func alternates() async throws {
        let order = Mutex<[String]>([])
        let measuredRates = Mutex<[Double]>([90, 100, 110])
        let result = try await Alternation.run(
            rounds: 3,
            measured: {
                order.withLock { $0.append("A") }
                return measuredRates.withLock { $0.removeFirst() }
            },
            baseline: {
                order.withLock { $0.append("B") }
                return 100
            }
        )
        #expect(order.withLock { $0 } == ["A", "B", "B", "A", "A", "B"])
        #expect(result.measured == 100)
        #expect(result.baseline == 100)
        #expect(result.roundRatios == [0.9, 1.0, 1.1])
        #expect(result.summary == "3 alternating rounds, ratios 0.900 / 1.000 / 1.100")
    }

    @Test("At least one round; a zero baseline gives a zero ratio, not a crash")
    func degenerate() async throws {
        let result = try await Alternation.run(rounds: 0, measured: { 5 }, baseline: { 0 })
        #expect(result.roundRatios == [0])
        #expect(result.measured == 5)
    }

    @Test("Past five rounds the summary gives the ratios' mean, its 95% interval and their range")
    func manyRounds() async throws {
        let rates = Mutex<[Double]>([96, 104, 96, 104, 96, 104, 96, 104])
        let result = try await Alternation.run(
            rounds: 8, measured: { rates.withLock { $0.removeFirst() } }, baseline: { 100 })
        #expect(result.roundRatios.count == 8)
        // Ratios alternate 0.96 and 1.04: mean 1.0, sample sd 0.04276, half-width t(7) 2.365 × 0.04276 / √8 = 0.0358.
        #expect(
            result.summary
                == "8 alternating rounds, ratio per round 1.000 ± 0.036 (95% interval of the mean), range 0.960–1.040")
    }

    @Test("Student's t: the table's ends, and the normal distribution's 1.96 approached beyond it")
    func studentT() {
        #expect(Alternation.studentT975(degreesOfFreedom: 1) == 12.706)
        #expect(Alternation.studentT975(degreesOfFreedom: 15) == 2.131)
        #expect(Alternation.studentT975(degreesOfFreedom: 30) == 2.042)
        // t(60) = 2.000 and t(120) = 1.980 in the tables.
        #expect(abs(Alternation.studentT975(degreesOfFreedom: 60) - 2.000) < 0.005)
        #expect(abs(Alternation.studentT975(degreesOfFreedom: 120) - 1.980) < 0.005)
    }
}
