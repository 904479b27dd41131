import TesseraStore

/// The JSON column codec shared with the PostgreSQL backend.
typealias JSONText = JSONColumn
