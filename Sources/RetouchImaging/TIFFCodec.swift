import CImageCodecs

/// TIFF through libtiff: the first page only, turned upright by its Orientation tag; 8/16-bit gray/RGB(A)
/// read as stored, other layouts libtiff can render (palette, YCbCr, tiled, planar, CMYK) read as 8-bit
/// RGB(A). Written deflate-compressed.
enum TIFFCodec {
    /// Decodes the first page, upright; `pageCount` reports how many pages the file holds.
    static func decode(_ bytes: [UInt8], path: String, limits: ImageLimits) throws -> (image: Image, pageCount: Int) {
        try CDecoder.run(ric_tiff_read, format: .tiff, bytes: bytes, path: path, limits: limits) { raw in
            let image = Image(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels),
                              pixels: SampleConversion.floats(from: raw), bitDepth: Int(raw.bit_depth))
            let orientation = ExifOrientation(rawValue: Int(raw.orientation)) ?? .up
            return (image.oriented(orientation), Int(raw.page_count))
        }
    }

    /// Encodes `image` at `bitDepth` (8 or 16), alpha stored as unassociated.
    static func encode(_ image: Image, bitDepth: Int, path: String,
                       into write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withPixels(image, bitDepth: bitDepth) { pixels in
            var output: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 1024)
            let status = ric_tiff_write(pixels, &output, &size, &message, message.count)
            defer { ric_free(output) }
            guard status == RIC_OK, let output else {
                throw ImageError(file: path, problem: "cannot encode TIFF: \(cMessage(message))")
            }
            try write(UnsafeRawBufferPointer(start: output, count: size))
        }
    }
}
