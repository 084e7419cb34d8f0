import CImageCodecs
import RetouchChecks

/// JPEG through libjpeg: baseline and progressive, gray, RGB, CMYK and YCCK in (as gray or RGB, upright
/// according to the EXIF orientation); 8-bit gray or RGB out.
enum JPEGCodec {
    /// Decodes a JPEG and applies its EXIF orientation so the pixels come out upright.
    static func decode(_ bytes: [UInt8], path: String, limits: ImageLimits) throws -> Image {
        try CDecoder.run(ric_jpeg_read, format: .jpeg, bytes: bytes, path: path, limits: limits) { raw in
            let image = Image(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels),
                              pixels: SampleConversion.floats(from: raw), bitDepth: 8)
            guard let exif = raw.exif, raw.exif_size > 0 else { return image }
            let orientation = ExifOrientation(exif: UnsafeBufferPointer(start: exif, count: raw.exif_size)) ?? .up
            return image.oriented(orientation)
        }
    }

    /// Encodes an 8-bit gray or RGB image at `quality` (1...100); alpha must already be removed.
    static func encode(_ image: Image, quality: Int, path: String,
                       into write: (UnsafeRawBufferPointer) throws -> Void) throws {
        require(image.channels == 1 || image.channels == 3, "JPEG encoder needs gray or RGB")
        try withPixels(image, bitDepth: 8) { pixels in
            var output: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 1024)
            let status = ric_jpeg_write(pixels, Int32(quality), &output, &size, &message, message.count)
            defer { ric_free(output) }
            guard status == RIC_OK, let output else {
                throw ImageError(file: path, problem: "cannot encode JPEG: \(cMessage(message))")
            }
            try write(UnsafeRawBufferPointer(start: output, count: size))
        }
    }
}
