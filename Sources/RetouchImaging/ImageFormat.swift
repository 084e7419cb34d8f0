/// The file formats `ImageIO` reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable {
    /// Portable Network Graphics.
    case png = "PNG"
    /// JPEG (JFIF/Exif).
    case jpeg = "JPEG"
    /// Tagged Image File Format (first page).
    case tiff = "TIFF"

    /// The format a file's first bytes announce, or `nil`.
    public init?(signature bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(8))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
                    || head.starts(with: [0x49, 0x49, 0x2B, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2B]) {
            self = .tiff
        } else {
            return nil
        }
    }

    /// The format a path's extension asks for (`.png`, `.jpg`, `.jpeg`, `.tif`, `.tiff`; any case), or `nil`.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "tif", "tiff": self = .tiff
        default: return nil
        }
    }

    /// Names a few formats users commonly try, so an unsupported file gets a specific message.
    static func unsupportedName(signature bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: Array("GIF8".utf8)) { return "GIF" }
        if head.starts(with: Array("BM".utf8)) { return "BMP" }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return "WebP"
        }
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) { return "HEIF/AVIF" }
        return nil
    }
}
