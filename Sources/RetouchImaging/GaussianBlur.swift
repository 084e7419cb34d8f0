import Foundation

/// Separable Gaussian blur over interleaved planes, the one blur used for images and masks.
///
/// The kernel follows AUTOMATIC1111's mask blur (OpenCV `GaussianBlur` with `sigma = radius` and a kernel of
/// `2·⌊2.5σ + 0.5⌋ + 1` taps); borders replicate the edge pixel.
enum GaussianBlur {
    /// Normalised kernel weights for `sigma`.
    static func kernel(sigma: Double) -> [Float] {
        let half = Int(2.5 * sigma + 0.5)
        let weights = (-half...half).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = weights.reduce(0, +)
        return weights.map { Float($0 / total) }
    }

    /// Blurs `values` (`width × height × channels`, interleaved) in place.
    static func apply(_ values: inout [Float], width: Int, height: Int, channels: Int, sigma: Double) {
        guard sigma > 0 else { return }
        let weights = kernel(sigma: sigma)
        let half = weights.count / 2
        var temporary = values
        // Horizontal pass: values → temporary.
        values.withUnsafeBufferPointer { source in
            temporary.withUnsafeMutableBufferPointer { target in
                let target = target
                DispatchQueue.concurrentPerform(iterations: height) { y in
                    let row = y * width * channels
                    for x in 0..<width {
                        for c in 0..<channels {
                            var sum: Float = 0
                            for (offset, weight) in weights.enumerated() {
                                let sx = min(max(x + offset - half, 0), width - 1)
                                sum += weight * source[row + sx * channels + c]
                            }
                            target[row + x * channels + c] = sum
                        }
                    }
                }
            }
        }
        // Vertical pass: temporary → values.
        temporary.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                let target = target
                DispatchQueue.concurrentPerform(iterations: height) { y in
                    for x in 0..<(width * channels) {
                        var sum: Float = 0
                        for (offset, weight) in weights.enumerated() {
                            let sy = min(max(y + offset - half, 0), height - 1)
                            sum += weight * source[sy * width * channels + x]
                        }
                        target[y * width * channels + x] = sum
                    }
                }
            }
        }
    }
}

extension Image {
    /// The image blurred with a Gaussian of standard deviation `sigma` pixels.
    public func blurred(sigma: Double) -> Image {
        var copy = self
        GaussianBlur.apply(&copy.pixels, width: width, height: height, channels: channels, sigma: sigma)
        return copy
    }
}
