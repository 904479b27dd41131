import Foundation

/// Encodes and decodes the string-pair jsonb columns (`settings`, `device_info`) the same way in every backend.
public enum JSONColumn {
    /// The canonical JSON text (sorted keys) of a string map.
    public static func encode(_ value: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses JSON text holding an object of strings.
    /// - Throws: ``StoreError/Code/backend`` when the stored text is not such an object.
    public static func decode(_ text: String) throws -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw StoreError(.backend, "a stored JSON column is not an object of strings")
        }
    }
}
