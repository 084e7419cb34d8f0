import RetouchChecks
/// A raster image: interleaved channels, row-major, each sample a `Float` in `0...1`.
///
/// Channel layouts are gray (1), gray+alpha (2), RGB (3) and RGBA (4). `bitDepth` records the precision the
/// image came from (8 or 16) so that writing it back keeps it; quantising a sample read at that depth gives the
/// original integer exactly.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// `width * height * channels` samples, row-major, channels interleaved, in `0...1`.
    public var pixels: [Float]
    /// Bits per sample in the source (8 or 16); writers use it as the default output depth.
    public var bitDepth: Int
    /// Text metadata (PNG tEXt/iTXt chunks, e.g. `parameters` as AUTOMATIC1111 writes it).
    public var text: [String: String]

    /// Creates an image from its samples.
    public init(width: Int, height: Int, channels: Int, pixels: [Float], bitDepth: Int = 8,
                text: [String: String] = [:]) {
        require(width > 0 && height > 0, "image must have a positive size, got \(width)x\(height)")
        require((1...4).contains(channels), "channels must be 1...4, got \(channels)")
        require(pixels.count == width * height * channels, "pixel count does not match \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.bitDepth = bitDepth
        self.text = text
    }

    /// Creates an image filled with one value per channel.
    public init(width: Int, height: Int, channels: Int, fill: Float = 0, bitDepth: Int = 8) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: fill, count: width * height * channels), bitDepth: bitDepth)
    }

    /// Whether the last channel is alpha.
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The sample at `(x, y)` in channel `c`.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}

/// A single-channel map over an image, each value in `0...1`; 1 (white) means "repaint".
public struct Mask: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` values, row-major.
    public var values: [Float]

    /// Creates a mask from its values.
    public init(width: Int, height: Int, values: [Float]) {
        require(width > 0 && height > 0, "mask must have a positive size, got \(width)x\(height)")
        require(values.count == width * height, "value count does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Creates a mask filled with `value` (0 keeps everything, 1 repaints everything).
    public init(width: Int, height: Int, fill value: Float = 0) {
        self.init(width: width, height: height, values: [Float](repeating: value, count: width * height))
    }

    /// The value at `(x, y)`.
    @inlinable public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }
}
