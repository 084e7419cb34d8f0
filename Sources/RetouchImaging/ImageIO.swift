import Foundation

/// Reading and writing image files. The input format comes from the file's first bytes, the output format
/// from the file extension; writes are atomic.
public enum ImageIO {
    /// Reads a PNG, JPEG or TIFF file (first page), upright according to any EXIF orientation.
    public static func read(_ url: URL, limits: ImageLimits = .default) throws -> Image {
        try readWithWarnings(url, limits: limits).image
    }

    /// Reads an image file and returns, alongside it, things the user should know (such as TIFF pages
    /// that were ignored), each naming the file.
    public static func readWithWarnings(_ url: URL, limits: ImageLimits = .default) throws
        -> (image: Image, warnings: [String]) {
        let path = url.relativePath
        // Even uncompressed 16-bit RGBA needs 8 bytes a pixel; allow twice that plus room for metadata.
        let maxBytes = limits.maxPixels.multipliedReportingOverflow(by: 16).partialValue &+ (64 << 20)
        let bytes = try FileBytes.read(url, maxBytes: maxBytes > 0 ? maxBytes : .max)
        return try decodeWithWarnings(bytes, path: path, limits: limits)
    }

    /// Decodes the bytes of a PNG, JPEG or TIFF file (first page), upright according to any EXIF orientation,
    /// exactly as `readWithWarnings` does after reading the file; `path` names the source in errors and warnings.
    public static func decodeWithWarnings(_ bytes: [UInt8], path: String, limits: ImageLimits = .default) throws
        -> (image: Image, warnings: [String]) {
        guard !bytes.isEmpty else { throw ImageError(file: path, problem: "the file is empty (0 bytes)") }
        guard let format = ImageFormat(signature: bytes) else {
            if let name = ImageFormat.unsupportedName(signature: bytes) {
                throw ImageError(file: path, problem: "\(name) images are not supported (use PNG, JPEG or TIFF)")
            }
            throw ImageError(file: path, problem: "not a PNG, JPEG or TIFF file (unrecognised signature)")
        }
        switch format {
        case .png:
            return (try PNGCodec.decode(bytes, path: path, limits: limits), [])
        case .jpeg:
            return (try JPEGCodec.decode(bytes, path: path, limits: limits), [])
        case .tiff:
            let (image, pages) = try TIFFCodec.decode(bytes, path: path, limits: limits)
            let warnings = pages > 1 ? ["\(path): the TIFF has \(pages) pages; only the first was read"] : []
            return (image, warnings)
        }
    }

    /// The bytes of `image` as an 8- or 16-bit PNG with `text` chunks (for example `parameters`), in memory.
    public static func encodePNG(_ image: Image, bitDepth: Int = 8, text: [String: String] = [:]) throws -> [UInt8] {
        var bytes = [UInt8]()
        try PNGCodec.encode(image, bitDepth: bitDepth, text: image.text.merging(text) { _, new in new }, path: "PNG output") { buffer in
            bytes = [UInt8](buffer)
        }
        return bytes
    }

    /// Writes `image` as PNG, JPEG or TIFF according to the extension of `url` (`.png`, `.jpg`, `.jpeg`,
    /// `.tif`, `.tiff`). The file is replaced atomically; on failure nothing is left behind and an existing
    /// file is untouched. JPEG drops alpha and stores 8 bits; only PNG stores text.
    public static func write(_ image: Image, to url: URL, options: ImageWriteOptions = .init()) throws {
        let path = url.relativePath
        guard let format = ImageFormat(pathExtension: url.pathExtension) else {
            let shown = url.pathExtension.isEmpty ? "no extension" : "extension '.\(url.pathExtension)'"
            throw ImageError(file: path, problem: "cannot tell the output format from \(shown) "
                             + "(use .png, .jpg, .jpeg, .tif or .tiff)")
        }
        let bitDepth = options.bitDepth ?? image.bitDepth
        guard bitDepth == 8 || bitDepth == 16 else {
            throw ImageError(file: path, problem: "bit depth must be 8 or 16, not \(bitDepth)")
        }
        let store = { (bytes: UnsafeRawBufferPointer) throws in try AtomicFile.write(bytes, to: url) }
        switch format {
        case .png:
            let text = image.text.merging(options.text) { _, new in new }
            try PNGCodec.encode(image, bitDepth: bitDepth, text: text, path: path, into: store)
        case .jpeg:
            guard options.bitDepth != 16 else {
                throw ImageError(file: path, problem: "JPEG stores 8 bits per sample; use .png or .tif for 16-bit output")
            }
            guard (1...100).contains(options.jpegQuality) else {
                throw ImageError(file: path, problem: "JPEG quality must be 1...100, not \(options.jpegQuality)")
            }
            let opaque = image.hasAlpha ? image.converted(toChannels: image.channels - 1) : image
            try JPEGCodec.encode(opaque, quality: options.jpegQuality, path: path, into: store)
        case .tiff:
            try TIFFCodec.encode(image, bitDepth: bitDepth, path: path, into: store)
        }
    }
}
