import RetouchChecks
extension Image {
    /// Rec. 601 luma weights (as PIL's `convert("L")` and ITU-R BT.601 use).
    static let lumaWeights: (r: Float, g: Float, b: Float) = (0.299, 0.587, 0.114)

    /// The image with `toChannels` channels: gray and RGB convert into each other (RGB to gray by Rec. 601
    /// luma), alpha is added as fully opaque or dropped. Bit depth and text are kept.
    public func converted(toChannels target: Int) -> Image {
        require((1...4).contains(target), "channels must be 1...4, got \(target)")
        if target == channels { return self }
        let sourceColor = channels >= 3 ? 3 : 1
        let targetColor = target >= 3 ? 3 : 1
        let sourceAlpha = channels == 2 || channels == 4
        let targetAlpha = target == 2 || target == 4
        let count = width * height
        let weights = Image.lumaWeights
        var result = [Float](repeating: 0, count: count * target)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let s = i * channels, o = i * target
                    if sourceColor == targetColor {
                        for k in 0..<sourceColor { out[o + k] = source[s + k] }
                    } else if targetColor == 1 {
                        out[o] = weights.r * source[s] + weights.g * source[s + 1] + weights.b * source[s + 2]
                    } else {
                        out[o] = source[s]; out[o + 1] = source[s]; out[o + 2] = source[s]
                    }
                    if targetAlpha { out[o + targetColor] = sourceAlpha ? source[s + sourceColor] : 1 }
                }
            }
        }
        return Image(width: width, height: height, channels: target, pixels: result, bitDepth: bitDepth, text: text)
    }
}
