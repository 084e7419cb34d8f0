import Foundation

/// The top-level keys of a JSON object, in order and with repeats, which `JSONDecoder` does not report (it keeps one
/// entry per key, while Python's `json` keeps the last): a safetensors header naming a tensor twice is refused.
enum HeaderKeyScanner {
    /// The first top-level key that occurs more than once in the JSON object `bytes`, or nil.
    ///
    /// The scan tracks strings (with escapes) and nesting depth only; the caller has decoded the header already, so
    /// the bytes are valid JSON. Keys containing escapes are decoded before they are compared.
    static func firstDuplicateKey(in bytes: Data) -> String? {
        var seen = Set<String>()
        var depth = 0
        var expectingKey = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { expectingKey = true }
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1 { expectingKey = true }
            case UInt8(ascii: "\""):
                let start = index
                var hasEscape = false
                index += 1
                while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { hasEscape = true; index += 1 }
                    index += 1
                }
                if depth == 1 && expectingKey {
                    expectingKey = false
                    let quoted = bytes[start...min(index, bytes.endIndex - 1)]
                    let key = hasEscape ? (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: quoted, as: UTF8.self)
                        : String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
                    if !seen.insert(key).inserted { return key }
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
