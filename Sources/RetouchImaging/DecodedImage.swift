import Foundation
import CImageCodecs

/// Sample conversion between the C shims' integer buffers and `Image`'s `0...1` floats.
///
/// Decoding divides by 255 or 65535 and encoding rounds to nearest, so an integer sample read and written
/// back at the same depth is unchanged.
enum SampleConversion {
    /// `i / 255` for every 8-bit value.
    static let unit8: [Float] = (0...255).map { Float($0) / 255 }
    /// `i / 65535` for every 16-bit value.
    static let unit16: [Float] = (0...65535).map { Float($0) / 65535 }

    /// The samples of a decoded C image as floats.
    static func floats(from raw: ric_image) -> [Float] {
        let count = Int(raw.width) * Int(raw.height) * Int(raw.channels)
        guard let pixels = raw.pixels, count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if raw.bit_depth == 16 {
                let source = pixels.assumingMemoryBound(to: UInt16.self)
                unit16.withUnsafeBufferPointer { table in
                    for i in 0..<count { buffer[i] = table[Int(source[i])] }
                }
            } else {
                let source = pixels.assumingMemoryBound(to: UInt8.self)
                unit8.withUnsafeBufferPointer { table in
                    for i in 0..<count { buffer[i] = table[Int(source[i])] }
                }
            }
            initialized = count
        }
    }

    /// `samples` rounded to 8-bit integers (clamped to `0...1`; NaN becomes 0).
    static func bytes8(_ samples: [Float]) -> [UInt8] {
        samples.map { UInt8(quantize($0, scale: 255)) }
    }

    /// `samples` rounded to 16-bit integers in native byte order.
    static func words16(_ samples: [Float]) -> [UInt16] {
        samples.map { UInt16(quantize($0, scale: 65535)) }
    }

    @inline(__always) private static func quantize(_ value: Float, scale: Float) -> UInt32 {
        guard value > 0 else { return 0 }  // also catches NaN
        guard value < 1 else { return UInt32(scale) }
        return UInt32(value * scale + 0.5)
    }
}

/// Runs a C decoder and turns its status into an `Image` or an `ImageError`.
enum CDecoder {
    typealias Function = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<ric_image>?,
                          UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// Decodes `bytes` with `decode`; `body` receives the raw result while its buffers are still alive.
    static func run<T>(_ decode: Function, format: ImageFormat, bytes: [UInt8], path: String, limits: ImageLimits,
                       body: (ric_image) throws -> T) throws -> T {
        var raw = ric_image()
        var message = [CChar](repeating: 0, count: 1024)
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                decode(data.baseAddress, data.count, UInt64(limits.maxPixels), &raw, text.baseAddress, text.count)
            }
        }
        defer { ric_image_free(&raw) }
        switch Int(status) {
        case Int(RIC_OK):
            guard raw.width > 0, raw.height > 0, (1...4).contains(raw.channels), raw.pixels != nil else {
                throw ImageError(file: path, problem: "\(format.rawValue) decoder returned no pixels")
            }
            return try body(raw)
        case Int(RIC_TOO_LARGE):
            throw ImageError(file: path, problem: tooLarge(width: Int(raw.width), height: Int(raw.height), limits: limits))
        default:
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let detail = text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ImageError(file: path, problem: "damaged or unsupported \(format.rawValue) file: "
                             + (detail.isEmpty ? "the decoder failed" : detail))
        }
    }

    /// The message for an image whose declared size exceeds the limit.
    static func tooLarge(width: Int, height: Int, limits: ImageLimits) -> String {
        let pixels = width.multipliedReportingOverflow(by: height).partialValue
        guard limits.maxPixels >= 1_000_000 else {
            return "image is \(width)x\(height) pixels (\(pixels) pixels), over the limit of \(limits.maxPixels) pixels"
        }
        let megapixels = { (count: Int) -> String in
            let value = Double(count) / 1_000_000
            return value >= 10 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
        }
        return "image is \(width)x\(height) pixels (\(megapixels(pixels)) megapixels), "
            + "over the limit of \(megapixels(limits.maxPixels)) megapixels"
    }
}
