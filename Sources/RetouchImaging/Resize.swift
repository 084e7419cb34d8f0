import Foundation
import RetouchChecks

/// How `resized` computes each output pixel. All filters place pixel centres at half-integer positions.
public enum ResizeFilter: String, Sendable, CaseIterable {
    /// The source pixel under the output pixel's centre (PIL `NEAREST`, torch `nearest-exact`).
    case nearest
    /// Linear interpolation between the two nearest pixels per axis, no antialiasing
    /// (torch `bilinear`, `align_corners=False`): the resize Stable Diffusion pipelines use for latents and masks.
    case bilinear
    /// Average over each output pixel's footprint (cv2 `INTER_AREA`, PIL `BOX` for whole-number factors):
    /// the choice for shrinking masks and photos without aliasing.
    case area
    /// Antialiased 3-lobe Lanczos (PIL `LANCZOS`): the sharpest choice for photo downscaling; results are
    /// clamped to `0...1`.
    case lanczos
}

extension Image {
    /// The image resampled to `width` × `height` with `filter`; bit depth and text are kept. Alpha is
    /// resampled like any other channel (not premultiplied).
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .bilinear) -> Image {
        require(newWidth > 0 && newHeight > 0, "resize target must be positive, got \(newWidth)x\(newHeight)")
        let samples = Resampler.resample(pixels, width: width, height: height, channels: channels,
                                         toWidth: newWidth, toHeight: newHeight, filter: filter)
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: samples,
                     bitDepth: bitDepth, text: text)
    }
}

extension Mask {
    /// The mask resampled to `width` × `height` with `filter` (the same resampler images use).
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .bilinear) -> Mask {
        require(newWidth > 0 && newHeight > 0, "resize target must be positive, got \(newWidth)x\(newHeight)")
        let samples = Resampler.resample(values, width: width, height: height, channels: 1,
                                         toWidth: newWidth, toHeight: newHeight, filter: filter)
        return Mask(width: newWidth, height: newHeight, values: samples)
    }
}

/// The one separable resampler: a horizontal pass then a vertical pass, each skipped when its size does
/// not change, rows spread over cores with `DispatchQueue.concurrentPerform` for large images.
enum Resampler {
    /// Below this many multiply-adds per pass the work runs on the calling thread.
    static let parallelThreshold = 1 << 18

    /// Resamples interleaved `channels`-channel samples from `width` × `height` to `toWidth` × `toHeight`.
    static func resample(_ samples: [Float], width: Int, height: Int, channels: Int,
                         toWidth: Int, toHeight: Int, filter: ResizeFilter) -> [Float] {
        var current = samples
        if toWidth != width {
            let weights = ResampleWeights(filter: filter, inputSize: width, outputSize: toWidth)
            current = horizontal(current, width: width, height: height, channels: channels,
                                 toWidth: toWidth, weights: weights)
        }
        if toHeight != height {
            let weights = ResampleWeights(filter: filter, inputSize: height, outputSize: toHeight)
            current = vertical(current, width: toWidth, height: height, channels: channels,
                               toHeight: toHeight, weights: weights)
        }
        if filter == .lanczos {
            for i in current.indices { current[i] = min(max(current[i], 0), 1) }
        }
        return current
    }

    /// `[height, width, C]` → `[height, toWidth, C]`.
    private static func horizontal(_ input: [Float], width: Int, height: Int, channels: Int, toWidth: Int,
                                   weights: ResampleWeights) -> [Float] {
        var output = [Float](repeating: 0, count: height * toWidth * channels)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                forEachRow(height, work: toWidth * channels * weights.stride) { y in
                    let inRow = y * width * channels, outRow = y * toWidth * channels
                    for x in 0..<toWidth {
                        let start = weights.starts[x], count = weights.counts[x], base = x * weights.stride
                        for c in 0..<channels {
                            var sum: Float = 0
                            for k in 0..<count {
                                sum += weights.weights[base + k] * source[inRow + (start + k) * channels + c]
                            }
                            target[outRow + x * channels + c] = sum
                        }
                    }
                }
            }
        }
        return output
    }

    /// `[height, width, C]` → `[toHeight, width, C]`.
    private static func vertical(_ input: [Float], width: Int, height: Int, channels: Int, toHeight: Int,
                                 weights: ResampleWeights) -> [Float] {
        let rowLength = width * channels
        var output = [Float](repeating: 0, count: toHeight * rowLength)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                forEachRow(toHeight, work: rowLength * weights.stride) { y in
                    let start = weights.starts[y], count = weights.counts[y], base = y * weights.stride
                    let outRow = y * rowLength
                    for k in 0..<count {
                        let weight = weights.weights[base + k], inRow = (start + k) * rowLength
                        for i in 0..<rowLength { target[outRow + i] += weight * source[inRow + i] }
                    }
                }
            }
        }
        return output
    }

    /// Runs `body` for each row in `0..<rows`, in parallel chunks when the total work is large.
    private static func forEachRow(_ rows: Int, work perRow: Int, _ body: (Int) -> Void) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard rows * perRow >= parallelThreshold, cores > 1, rows > 1 else {
            for y in 0..<rows { body(y) }
            return
        }
        let chunks = min(rows, cores * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = rows * chunk / chunks, upper = rows * (chunk + 1) / chunks
            for y in lower..<upper { body(y) }
        }
    }
}
