import Foundation

/// Per-output-sample source windows and weights for one axis of a separable resize.
///
/// Output sample `i` is `Σ weights[i * stride + k] * source[starts[i] + k]` for `k < counts[i]`.
struct ResampleWeights {
    /// First source index of each output sample's window.
    var starts: [Int]
    /// Window length of each output sample.
    var counts: [Int]
    /// Weights, `stride` per output sample.
    var weights: [Float]
    /// Maximum window length.
    var stride: Int

    /// Weights mapping `inputSize` samples to `outputSize` with `filter`. All filters use half-pixel
    /// centres: output sample `i` sits at source coordinate `(i + 0.5) * inputSize / outputSize`.
    init(filter: ResizeFilter, inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        var windows: [(start: Int, weights: [Double])] = []
        windows.reserveCapacity(outputSize)
        for i in 0..<outputSize {
            switch filter {
            case .nearest:
                // PIL NEAREST / torch "nearest-exact": the source pixel containing the output centre.
                windows.append((min(Int(((Double(i) + 0.5) * scale).rounded(.down)), inputSize - 1), [1]))
            case .bilinear:
                windows.append(Self.bilinear(i, scale: scale, inputSize: inputSize))
            case .area:
                windows.append(Self.area(i, scale: scale, inputSize: inputSize))
            case .lanczos:
                windows.append(Self.lanczos(i, scale: scale, inputSize: inputSize))
            }
        }
        let stride = windows.map(\.weights.count).max() ?? 1
        self.stride = stride
        starts = windows.map(\.start)
        counts = windows.map(\.weights.count)
        var flat = [Float](repeating: 0, count: outputSize * stride)
        for (i, window) in windows.enumerated() {
            for (k, weight) in window.weights.enumerated() { flat[i * stride + k] = Float(weight) }
        }
        weights = flat
    }

    /// torch `interpolate(mode="bilinear", align_corners=False, antialias=False)`: the two nearest source
    /// samples, the coordinate clamped at 0 and the upper neighbour at the edge.
    private static func bilinear(_ i: Int, scale: Double, inputSize: Int) -> (Int, [Double]) {
        let center = max((Double(i) + 0.5) * scale - 0.5, 0)
        let lower = min(Int(center.rounded(.down)), inputSize - 1)
        let fraction = center - Double(lower)
        if lower + 1 >= inputSize || fraction == 0 { return (lower, [1]) }
        return (lower, [1 - fraction, fraction])
    }

    /// Box average by exact coverage (cv2 `INTER_AREA` when shrinking): each source sample weighs by how
    /// much of the output sample's footprint `[i·scale, (i+1)·scale)` it covers.
    private static func area(_ i: Int, scale: Double, inputSize: Int) -> (Int, [Double]) {
        let low = Double(i) * scale, high = min(Double(i + 1) * scale, Double(inputSize))
        let first = min(Int(low.rounded(.down)), inputSize - 1)
        let last = max(min(Int(high.rounded(.up)), inputSize), first + 1)
        var weights: [Double] = []
        for j in first..<last {
            weights.append(max(0, min(high, Double(j + 1)) - max(low, Double(j))))
        }
        return (first, normalized(weights))
    }

    /// PIL `Image.resize(..., LANCZOS)`: a 3-lobe Lanczos window widened by the downscale factor
    /// (antialiasing), following Pillow's `precompute_coeffs`.
    private static func lanczos(_ i: Int, scale: Double, inputSize: Int) -> (Int, [Double]) {
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        let center = (Double(i) + 0.5) * scale
        let first = max(Int((center - support + 0.5).rounded(.down)), 0)
        let last = min(Int((center + support + 0.5).rounded(.down)), inputSize)
        var weights: [Double] = []
        for j in first..<max(last, first + 1) {
            weights.append(lanczosKernel((Double(j) - center + 0.5) / filterScale))
        }
        return (first, normalized(weights))
    }

    private static func lanczosKernel(_ x: Double) -> Double {
        func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(.pi * x) / (.pi * x) }
        return abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0
    }

    private static func normalized(_ weights: [Double]) -> [Double] {
        let total = weights.reduce(0, +)
        return total == 0 ? weights : weights.map { $0 / total }
    }
}
