import RetouchChecks
/// Safety limits applied when decoding, checked against the file's declared size before any pixel memory
/// is allocated.
public struct ImageLimits: Sendable, Equatable {
    /// The most pixels (width × height) an image may declare.
    public var maxPixels: Int

    /// Creates limits; the default allows 100 megapixels.
    public init(maxPixels: Int = 100_000_000) {
        require(maxPixels > 0, "maxPixels must be positive, got \(maxPixels)")
        self.maxPixels = maxPixels
    }

    /// 100 megapixels.
    public static let `default` = ImageLimits()
}

/// How `ImageIO.write` encodes an image. The format itself comes from the file extension.
public struct ImageWriteOptions: Sendable, Equatable {
    /// Bits per sample, 8 or 16; `nil` keeps the image's own `bitDepth`. JPEG always stores 8 bits.
    public var bitDepth: Int?
    /// JPEG quality, 1...100.
    public var jpegQuality: Int = 95
    /// Text stored in PNG files, merged over (and overriding) the image's own `text`; e.g. `parameters`.
    public var text: [String: String] = [:]

    /// Creates write options.
    public init(bitDepth: Int? = nil, jpegQuality: Int = 95, text: [String: String] = [:]) {
        self.bitDepth = bitDepth
        self.jpegQuality = jpegQuality
        self.text = text
    }
}
