import Foundation
import CImageCodecs

/// PNG through libpng: every colour type and depth in, 8/16-bit gray/RGB(A) with text chunks out.
enum PNGCodec {
    /// Decodes a PNG: palette and tRNS expand to RGB(A), 1/2/4-bit gray to 8 bits, interlacing is undone;
    /// tEXt, zTXt and iTXt chunks become `Image.text`.
    static func decode(_ bytes: [UInt8], path: String, limits: ImageLimits) throws -> Image {
        try CDecoder.run(ric_png_read, format: .png, bytes: bytes, path: path, limits: limits) { raw in
            var text: [String: String] = [:]
            for index in 0..<Int(raw.text_count) {
                let entry = raw.texts[index]
                guard let key = entry.key, let value = entry.value else { continue }
                let isUTF8 = entry.utf8 != 0
                text[decodeText(key, utf8: false)] = decodeText(value, utf8: isUTF8)
            }
            return Image(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels),
                         pixels: SampleConversion.floats(from: raw), bitDepth: Int(raw.bit_depth), text: text)
        }
    }

    /// Encodes `image` at `bitDepth` (8 or 16) with `text` as tEXt chunks (iTXt when a value needs UTF-8).
    static func encode(_ image: Image, bitDepth: Int, text: [String: String], path: String,
                       into write: (UnsafeRawBufferPointer) throws -> Void) throws {
        var entries: [(key: [CChar], value: [CChar], utf8: Int32)] = []
        for (key, value) in text.sorted(by: { $0.key < $1.key }) {
            guard (1...79).contains(key.unicodeScalars.count), let keyBytes = latin1(key),
                  keyBytes.allSatisfy({ $0 >= 32 && $0 != 127 }), key.first != " ", key.last != " " else {
                throw ImageError(file: path, problem: "text key '\(key)' is not a valid PNG keyword "
                                 + "(1 to 79 Latin-1 characters, no leading or trailing spaces)")
            }
            guard !value.unicodeScalars.contains("\0") else {
                throw ImageError(file: path, problem: "text value for '\(key)' contains a NUL character")
            }
            let valueBytes = latin1(value)
            entries.append((cString(keyBytes), cString(valueBytes ?? Array(value.utf8)), valueBytes == nil ? 1 : 0))
        }
        try withPixels(image, bitDepth: bitDepth) { pixels in
            var status: Int32 = 0
            var output: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 1024)
            try withTextArray(entries) { texts in
                status = ric_png_write(pixels, texts.baseAddress, Int32(texts.count), &output, &size,
                                       &message, message.count)
            }
            defer { ric_free(output) }
            guard status == RIC_OK, let output else {
                throw ImageError(file: path, problem: "cannot encode PNG: \(cMessage(message))")
            }
            try write(UnsafeRawBufferPointer(start: output, count: size))
        }
    }

    private static func withTextArray(_ entries: [(key: [CChar], value: [CChar], utf8: Int32)],
                                      _ body: (UnsafeBufferPointer<ric_text_in>) throws -> Void) throws {
        // The key/value arrays stay alive for the duration of `body` because `entries` does.
        var texts: [ric_text_in] = []
        func build(_ index: Int) throws {
            if index == entries.count {
                try texts.withUnsafeBufferPointer(body)
                return
            }
            try entries[index].key.withUnsafeBufferPointer { key in
                try entries[index].value.withUnsafeBufferPointer { value in
                    texts.append(ric_text_in(key: key.baseAddress, value: value.baseAddress, utf8: entries[index].utf8))
                    try build(index + 1)
                }
            }
        }
        try build(0)
    }

    private static func latin1(_ string: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in string.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    private static func cString(_ bytes: [UInt8]) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }

    private static func decodeText(_ pointer: UnsafeMutablePointer<CChar>, utf8: Bool) -> String {
        let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
        if utf8 { return String(decoding: bytes, as: UTF8.self) }
        var string = ""
        string.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return string
    }
}

/// Text from a C message buffer.
func cMessage(_ message: [CChar]) -> String {
    let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.isEmpty ? "the encoder failed" : text
}

/// Calls `body` with the image's samples quantised to `bitDepth` and described as a `ric_pixels`.
func withPixels(_ image: Image, bitDepth: Int, _ body: (UnsafePointer<ric_pixels>) throws -> Void) throws {
    func call(_ raw: UnsafeRawPointer?) throws {
        var pixels = ric_pixels(width: Int32(image.width), height: Int32(image.height),
                                channels: Int32(image.channels), bit_depth: Int32(bitDepth), pixels: raw)
        try body(&pixels)
    }
    if bitDepth == 16 {
        try SampleConversion.words16(image.pixels).withUnsafeBytes { try call($0.baseAddress) }
    } else {
        try SampleConversion.bytes8(image.pixels).withUnsafeBytes { try call($0.baseAddress) }
    }
}
