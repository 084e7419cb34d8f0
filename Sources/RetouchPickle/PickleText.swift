/// The text forms of protocol 0 (`INT`, `LONG`, `FLOAT`, `STRING`, `UNICODE`, `GET`/`PUT` indices).
enum PickleText {
    /// A decimal integer (`I`/`L` lines; `L` may end in `L`).
    static func integer(_ line: [UInt8], opcode: String) throws -> Int {
        var text = String(decoding: line, as: UTF8.self)
        if text.hasSuffix("L") { text.removeLast() }
        guard let value = Int(text) else { throw PickleProblem("\(opcode) holds '\(text.prefix(40))', not an integer Retouch reads") }
        return value
    }

    /// A non-negative memo index.
    static func index(_ line: [UInt8], opcode: String) throws -> Int {
        let value = try integer(line, opcode: opcode)
        guard value >= 0 else { throw PickleProblem("\(opcode) names memo index \(value)") }
        return value
    }

    /// A `FLOAT` line (Python's `repr` of a float).
    static func float(_ line: [UInt8]) throws -> Double {
        let text = String(decoding: line, as: UTF8.self)
        guard let value = Double(text) else { throw PickleProblem("FLOAT holds '\(text.prefix(40))', not a number") }
        return value
    }

    /// A `STRING` line: a Python bytes literal in single or double quotes with backslash escapes.
    static func quoted(_ line: [UInt8]) throws -> [UInt8] {
        guard line.count >= 2, let quote = line.first, quote == 0x27 || quote == 0x22, line.last == quote else {
            throw PickleProblem("STRING is not a quoted literal")
        }
        let body = line[1..<(line.count - 1)]
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            index += 1
            guard byte == 0x5C else { out.append(byte); continue }  // backslash
            guard index < body.endIndex else { throw PickleProblem("STRING ends in a lone backslash") }
            let escape = body[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"):
                guard index + 2 <= body.endIndex, let value = UInt8(String(decoding: body[index..<(index + 2)], as: UTF8.self), radix: 16) else {
                    throw PickleProblem("STRING has a bad \\x escape")
                }
                out.append(value)
                index += 2
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escape - 0x30)
                var digits = 1
                while digits < 3, index < body.endIndex, (0x30...0x37).contains(body[index]) {
                    value = value * 8 + Int(body[index] - 0x30)
                    index += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            default: out.append(escape)  // \\, \', \" and unknown escapes keep the character
            }
        }
        return out
    }

    /// A `UNICODE` line in Python's raw-unicode-escape: Latin-1 bytes, with `\uXXXX` and `\UXXXXXXXX`.
    static func rawUnicode(_ line: [UInt8]) throws -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < line.count {
            let byte = line[index]
            if byte == 0x5C, index + 1 < line.count, line[index + 1] == UInt8(ascii: "u") || line[index + 1] == UInt8(ascii: "U") {
                let digits = line[index + 1] == UInt8(ascii: "u") ? 4 : 8
                guard index + 2 + digits <= line.count,
                      let value = UInt32(String(decoding: line[(index + 2)..<(index + 2 + digits)], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(value) else {
                    throw PickleProblem("UNICODE has a bad \\u escape")
                }
                scalars.append(scalar)
                index += 2 + digits
            } else {
                scalars.append(Unicode.Scalar(byte))
                index += 1
            }
        }
        return String(scalars)
    }

    /// UTF-8 bytes as a string, refusing invalid UTF-8.
    static func utf8(_ bytes: [UInt8], opcode: String) throws -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { throw PickleProblem("\(opcode) holds bytes that are not valid UTF-8") }
        return text
    }

    /// A little-endian two's-complement integer of any width (`LONG1`/`LONG4`).
    static func long(_ bytes: [UInt8]) -> PickleValue {
        guard let last = bytes.last else { return .int(0) }
        let negative = last & 0x80 != 0
        var trimmed = bytes
        // Drop sign-extension bytes that do not change the value.
        while trimmed.count > 1, trimmed[trimmed.count - 1] == (negative ? 0xFF : 0x00),
              (trimmed[trimmed.count - 2] & 0x80 != 0) == negative {
            trimmed.removeLast()
        }
        guard trimmed.count <= 8 else { return .bigInt(trimmed) }
        var value: UInt64 = negative ? ~0 : 0
        for (shift, byte) in trimmed.enumerated() {
            value &= ~(UInt64(0xFF) << (8 * UInt64(shift)))
            value |= UInt64(byte) << (8 * UInt64(shift))
        }
        return .int(Int(Int64(bitPattern: value)))
    }
}
