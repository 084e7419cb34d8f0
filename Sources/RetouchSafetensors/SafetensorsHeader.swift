import Foundation

/// The JSON header of a safetensors file, decoded strictly (integers must be integers, strings strings).
struct SafetensorsHeader: Decodable {
    /// One header entry as written, before validation against the file.
    /// Numbers are decoded as `Double` and checked for integrality afterwards, so a fractional value gets a
    /// message about its field rather than a generic JSON error.
    struct RawEntry: Decodable {
        let dtype: String
        let shape: [Double]
        let dataOffsets: [Double]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let entries: [String: RawEntry]
    let metadata: [String: String]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var entries: [String: RawEntry] = [:]
        var metadata: [String: String] = [:]
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
            }
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// The tensor a decoding error is about (the first coding-path component), if any.
    static func tensorName(in error: DecodingError) -> String? {
        let path: [CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        case .keyNotFound(_, let context):
            path = context.codingPath
        @unknown default:
            path = []
        }
        guard let first = path.first?.stringValue, first != "__metadata__" else { return nil }
        return first
    }

    /// A user-facing sentence for a decoding error.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _):
            return "header entry lacks '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = context.codingPath.dropFirst().first?.stringValue ?? context.codingPath.first?.stringValue ?? "header"
            if context.codingPath.first?.stringValue == "__metadata__" { return "__metadata__ must map strings to strings" }
            return "malformed '\(field)' in header entry"
        @unknown default:
            return "malformed header"
        }
    }
}
