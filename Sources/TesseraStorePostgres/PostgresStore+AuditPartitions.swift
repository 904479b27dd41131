import Foundation
import PostgresNIO
import TesseraStore

extension PostgresStore: AuditPartitionStore {
    /// Counts the missing monthly partitions with one catalog query (`to_regclass`), creating nothing.
    public func missingAuditPartitions(from start: Date, months: Int) async throws -> Int {
        guard (1...120).contains(months) else { throw StoreError(.invalidValue, "months must be 1 to 120") }
        let rows = try await self.rows(
            """
            SELECT count(*) FROM generate_series(0, \(months - 1)::integer) AS series (offset_months)
            WHERE to_regclass(format('audits.%I', 'audit_log_' || to_char(
                date_trunc('month', \(start)::timestamptz AT TIME ZONE 'UTC')
                    + make_interval(months => series.offset_months), 'YYYY_MM'))) IS NULL
            """
        )
        guard let row = rows.first else { return months }
        return try Self.decoding { Int(try row.decode(Int64.self)) }
    }

    /// Calls `audits.ensure_partitions`; a refusal for want of privilege (SQLSTATE 42501) is `false`, not an error.
    public func ensureAuditPartitions(from start: Date, months: Int) async throws -> Bool {
        guard (1...120).contains(months) else { throw StoreError(.invalidValue, "months must be 1 to 120") }
        do {
            _ = try await self.client.query(
                "SELECT audits.ensure_partitions(\(start)::timestamptz, \(months)::integer)", logger: self.logger
            ).collect()
            return true
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            return false
        } catch {
            throw Self.translate(error)
        }
    }
}
