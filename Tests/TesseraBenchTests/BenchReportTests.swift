import Testing

@testable import TesseraBench

/// How the report prints targets: a one-sided ratio (≥ target) and a two-sided tolerance (1 ± tolerance).
@Suite("BenchReport formatting")
struct BenchReportTests {
    @Test(
        "A tolerance row is met within 1 ± tolerance and missed outside it, on either side",
        arguments: [(10.4, true), (9.6, true), (10.6, false), (9.4, false)])
    func tolerance(value: Double, met: Bool) throws {
        let row = BenchReport.Row(name: "two latencies", value: value, unit: "ms", baseline: 10, tolerance: 0.05)
        #expect(row.meetsTarget == met)
        let line = try #require(BenchReport(rows: [row]).table.split(separator: "\n").last)
        #expect(line.hasSuffix(met ? "1 ± 0.05 met" : "1 ± 0.05 MISSED"))
    }

    @Test("A target row is met at or above the target; a row without either shows no verdict")
    func target() throws {
        let rows = [
            BenchReport.Row(name: "rate met", value: 90, unit: "op/s", baseline: 100, target: 0.9),
            BenchReport.Row(name: "rate missed", value: 89, unit: "op/s", baseline: 100, target: 0.9),
            BenchReport.Row(name: "latency", value: 1, unit: "ms", baseline: 2),
        ]
        #expect(rows.map(\.meetsTarget) == [true, false, nil])
        let lines = BenchReport(rows: rows).table.split(separator: "\n").dropFirst(2)
        #expect(lines.map { $0.hasSuffix("≥ 0.90 met") } == [true, false, false])
        #expect(lines.map { $0.hasSuffix("≥ 0.90 MISSED") } == [false, true, false])
        #expect(lines.last?.contains("0.500") == true)
    }

    @Test(
        "A maximum row is met at or below its bound, with no baseline",
        arguments: [(1999.0, true), (2000.0, true), (2001.0, false)])
    func maximum(value: Double, met: Bool) throws {
        let row = BenchReport.Row(name: "lag p99", value: value, unit: "ms", maximum: 2000)
        #expect(row.meetsTarget == met)
        let line = try #require(BenchReport(rows: [row]).table.split(separator: "\n").last)
        #expect(line.hasSuffix(met ? "≤ 2000 ms met" : "≤ 2000 ms MISSED"))
    }
}
