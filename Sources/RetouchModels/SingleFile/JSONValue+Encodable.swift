/// Writes JSON values back out (single-file checkpoints produce diffusers-style `config.json` data).
extension JSONValue: Encodable {
    /// Encodes the value as the JSON it was read from: integers without a fraction, booleans as booleans.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let integer { try container.encode(integer) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }
}
