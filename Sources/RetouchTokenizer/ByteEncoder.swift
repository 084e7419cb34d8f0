/// GPT-2/CLIP's reversible byte ↔ printable-character map: every byte becomes one visible Unicode scalar,
/// so BPE can work on text without spaces or control characters.
enum ByteEncoder {
    /// The scalar standing for each byte value.
    static let scalarForByte: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var next = 0
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            codes.append(256 + next)
            next += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (byte, code) in zip(printable, codes) { table[byte] = Unicode.Scalar(UInt32(code))! }
        return table
    }()

    /// The byte each map scalar stands for.
    static let byteForScalar: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { inverse[scalar] = UInt8(byte) }
        return inverse
    }()

    /// The UTF-8 bytes of `text`, each replaced by its scalar.
    static func encode(_ text: Substring) -> String {
        var result = String.UnicodeScalarView()
        for byte in text.utf8 { result.append(scalarForByte[Int(byte)]) }
        return String(result)
    }

    /// Back from map scalars to text (invalid UTF-8 is replaced, as the reference decoder does).
    static func decode(_ text: String) -> String {
        let bytes = text.unicodeScalars.compactMap { byteForScalar[$0] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
