import RetouchSchedulers
import RetouchTensor

/// `retouch bench kernels`: the tensor kernels on Stable Diffusion's shapes, beside OpenBLAS's own sgemm.
public struct KernelBenchmark: Sendable {
    /// Timed runs per figure (the median is reported).
    public var runs: Int

    /// Creates the benchmark.
    public init(runs: Int = 5) { self.runs = runs }

    /// The figures' names, in the order they run.
    public static let figureNames = ["sgemm-2048", "gemm-2048", "gemm-2048-openblas", "bf16-gemm-2048", "conv3x3-320-64x64",
                                     "conv3x3-640-32x32", "conv1x1-1280-16x16", "attention-4096x8x40",
                                     "bf16-attention-4096x8x40", "groupnorm-320-64x64"]
        + winogradShapes.map(\.name) + linearShapes.flatMap { ["linear-\($0.name)", "bf16-linear-\($0.name)"] }
        + bf16WinogradShapes.map(\.name)

    /// The UNet's 3×3 convolutions at 512 px with batch 2 (classifier-free guidance), timed in bf16 through
    /// Winograd F(2×2, 3×3) and through the direct bf16 path.
    static let bf16WinogradShapes: [(name: String, channels: Int, size: Int)] = [
        ("bf16-winograd-320-64x64", 320, 64), ("bf16-winograd-640-32x32", 640, 32),
        ("bf16-winograd-1280-16x16", 1280, 16), ("bf16-winograd-1280-8x8", 1280, 8),
    ]

    /// The UNet's token-wise linear layers at 512 px with batch 2 (tokens, in, out): attention and transformer
    /// projections at each level, and the feed-forward's two products at the top level.
    static let linearShapes: [(name: String, tokens: Int, inFeatures: Int, outFeatures: Int)] = [
        ("8192x320x320", 8192, 320, 320), ("8192x320x2560", 8192, 320, 2560), ("8192x1280x320", 8192, 1280, 320),
        ("2048x640x640", 2048, 640, 640), ("512x1280x1280", 512, 1280, 1280),
    ]

    /// 3×3 convolutions timed through Winograd F(4×4, 3×3) and through im2col + GEMM: the VAE decoder's shapes
    /// (channels, square size) and the UNet's smaller ones.
    static let winogradShapes: [(name: String, channels: Int, size: Int)] = [
        ("winograd-128-512x512", 128, 512), ("winograd-256-256x256", 256, 256), ("winograd-512-128x128", 512, 128),
        ("winograd-512-64x64", 512, 64), ("winograd-640-32x32", 640, 32), ("winograd-1280-16x16", 1280, 16),
        ("winograd-1280-8x8", 1280, 8),
    ]

    /// Runs the figures whose names are in `only` (all when empty), reporting each line as soon as it is measured.
    public func run(only: Set<String> = [], report: (BenchmarkFigure) -> Void) {
        func wanted(_ name: String) -> Bool { only.isEmpty || only.contains(name) }
        var sgemmRate: Double?

        if wanted("sgemm-2048") {
            // OpenBLAS with its own threads and its own choice of core (the reference line).
            let rate = GEMM.withOpenBLASThreads(Parallel.workerCount) { gemmRate(size: 2048, kernel: .openblas, parallel: false) }
            sgemmRate = rate
            report(BenchmarkFigure("sgemm-2048", rate, "GFLOP/s"))
        }
        if wanted("gemm-2048") {
            report(BenchmarkFigure("gemm-2048", gemmRate(size: 2048, kernel: .automatic, parallel: true), "GFLOP/s"))
        }
        if wanted("gemm-2048-openblas") {
            // The same split across workers, each slab on single-threaded OpenBLAS (Retouch's path before its own kernels).
            report(BenchmarkFigure("gemm-2048-openblas", gemmRate(size: 2048, kernel: .openblas, parallel: true), "GFLOP/s"))
        }
        func relative(_ name: String, _ rate: Double) {
            report(BenchmarkFigure(name, rate, "GFLOP/s"))
            if let sgemmRate { report(BenchmarkFigure("\(name)-of-sgemm", 100 * rate / sgemmRate, "%")) }
        }
        if wanted("bf16-gemm-2048") {
            // bf16 weights × fp32 activations through GEMM.multiplyBF16 (AMX, AVX-512 BF16 or the portable path).
            relative("bf16-gemm-2048", bf16GemmRate(size: 2048))
        }
        for (name, channels, size, kernel) in [("conv3x3-320-64x64", 320, 64, 3), ("conv3x3-640-32x32", 640, 32, 3),
                                               ("conv1x1-1280-16x16", 1280, 16, 1)] where wanted(name) {
            let input = Tensor(shape: [1, channels, size, size], repeating: 0.5)
            let weight = Tensor(shape: [channels, channels, kernel, kernel], repeating: 0.01)
            let bias = Tensor(shape: [channels], repeating: 0.1)
            let seconds = BenchmarkClock.medianSeconds(runs: runs) {
                _ = input.conv2d(weight: weight, bias: bias, geometry: .init(stride: 1, padding: kernel / 2))
            }
            relative(name, 2.0 * Double(channels * channels * kernel * kernel * size * size) / seconds / 1e9)
        }
        if wanted("attention-4096x8x40") {
            let (tokens, heads, dim) = (4096, 8, 40)
            let q = Tensor(shape: [1, tokens, heads * dim], repeating: 0.01)
            PeakMemory.reset()
            let before = PeakMemory.peakBytes()
            let seconds = BenchmarkClock.medianSeconds(runs: runs) {
                _ = Attention.scaledDotProduct(query: q, key: q, value: q, heads: heads)
            }
            let peak = PeakMemory.peakBytes()
            relative("attention-4096x8x40", 4.0 * Double(tokens * tokens * dim * heads) / seconds / 1e9)
            report(BenchmarkFigure("attention-4096x8x40-seconds", seconds, "s"))
            report(BenchmarkFigure("attention-4096x8x40-peak-rss", Double(peak) / 1e6, "MB"))
            report(BenchmarkFigure("attention-4096x8x40-peak-growth", Double(peak - before) / 1e6, "MB"))
        }
        if wanted("bf16-attention-4096x8x40") {
            // The UNet's top-level self-attention at 512 px as `Precision.bf16` models run it (bf16 kernel).
            let (tokens, heads, dim) = (4096, 8, 40)
            let q = Tensor(shape: [1, tokens, heads * dim], repeating: 0.01)
            let seconds = BenchmarkClock.medianSeconds(runs: runs) {
                _ = Attention.scaledDotProduct(query: q, key: q, value: q, heads: heads, bf16: true)
            }
            relative("bf16-attention-4096x8x40", 4.0 * Double(tokens * tokens * dim * heads) / seconds / 1e9)
            report(BenchmarkFigure("bf16-attention-4096x8x40-seconds", seconds, "s"))
        }
        if wanted("groupnorm-320-64x64") {
            let input = Tensor(shape: [1, 320, 64, 64], repeating: 0.5)
            let gamma = Tensor(shape: [320], repeating: 1), beta = Tensor(shape: [320], repeating: 0)
            let seconds = BenchmarkClock.medianSeconds(runs: runs) {
                _ = input.groupNorm(groups: 32, weight: gamma, bias: beta, epsilon: 1e-5, silu: true)
            }
            report(BenchmarkFigure("groupnorm-320-64x64", seconds * 1000, "ms"))
            report(BenchmarkFigure("groupnorm-320-64x64-bandwidth", Double(input.count * 8) / seconds / 1e9, "GB/s"))
        }
        for shape in Self.linearShapes {
            let input = Tensor(shape: [shape.tokens, shape.inFeatures], repeating: 0.5)
            let weight = Tensor(shape: [shape.outFeatures, shape.inFeatures], repeating: 0.01)
            let bias = Tensor(shape: [shape.outFeatures], repeating: 0.1)
            let flops = 2.0 * Double(shape.tokens * shape.inFeatures * shape.outFeatures)
            if wanted("linear-\(shape.name)") {
                let seconds = BenchmarkClock.medianSeconds(runs: runs) { _ = input.linear(weight: weight, bias: bias) }
                relative("linear-\(shape.name)", flops / seconds / 1e9)
            }
            if wanted("bf16-linear-\(shape.name)") {
                let packed = BF16Matrix(weight)
                let seconds = BenchmarkClock.medianSeconds(runs: runs) { _ = input.linear(weight: packed, bias: bias) }
                relative("bf16-linear-\(shape.name)", flops / seconds / 1e9)
            }
        }
        for shape in Self.winogradShapes where wanted(shape.name) {
            winogradFigures(shape.name, channels: shape.channels, size: shape.size, report: report)
        }
        for shape in Self.bf16WinogradShapes where wanted(shape.name) {
            bf16WinogradFigures(shape.name, channels: shape.channels, size: shape.size, report: report)
        }
    }

    /// `name`: bf16 Winograd F(2×2, 3×3) seconds; `name-direct`: the direct bf16 path's seconds; `name-speedup`;
    /// `name-error` and `name-direct-error`: each one's mean absolute difference from fp32 im2col, relative to the
    /// mean absolute output (normal inputs through a leaky ReLU, normal weights at the usual 1/√fan-in scale).
    private func bf16WinogradFigures(_ name: String, channels: Int, size: Int, report: (BenchmarkFigure) -> Void) {
        var random = TorchRandomSource(seed: 0)
        let input = Tensor(shape: [2, channels, size, size],
                           scalars: random.normal(count: 2 * channels * size * size).map { $0 > 0 ? $0 : 0.25 * $0 })
        let scale = 1 / Float(channels * 9).squareRoot()
        let weight = Tensor(shape: [channels, channels, 3, 3], scalars: random.normal(count: channels * channels * 9).map { scale * $0 })
        let bias = Tensor(shape: [channels], repeating: 0.1)
        let packed = BF16Matrix(weight), transformed = WinogradBF16Weight(weight)
        let winograd = BenchmarkClock.medianSeconds(runs: runs) { _ = input.conv2d(winograd: transformed, bias: bias) }
        let direct = BenchmarkClock.medianSeconds(runs: runs) {
            _ = input.conv2d(weight: packed, kernel: (3, 3), bias: bias, geometry: .init(stride: 1, padding: 1))
        }
        let exact = input.conv2d(weight: weight, bias: bias, geometry: .init(stride: 1, padding: 1), algorithm: .direct)
        func error(_ result: Tensor) -> Double {
            var difference = 0.0, magnitude = 0.0
            for (a, b) in zip(result.scalars, exact.scalars) { difference += Double(abs(a - b)); magnitude += Double(abs(b)) }
            return difference / magnitude
        }
        report(BenchmarkFigure(name, winograd, "s"))
        report(BenchmarkFigure("\(name)-direct", direct, "s"))
        report(BenchmarkFigure("\(name)-speedup", direct / winograd, "x"))
        report(BenchmarkFigure("\(name)-error", 100 * error(input.conv2d(winograd: transformed, bias: bias)), "%"))
        report(BenchmarkFigure("\(name)-direct-error", 100 * error(input.conv2d(
            weight: packed, kernel: (3, 3), bias: bias, geometry: .init(stride: 1, padding: 1))), "%"))
    }

    /// `name`: Winograd seconds; `name-direct`: im2col + GEMM seconds; `name-speedup`: their ratio;
    /// `name-rate`: Winograd's direct-equivalent rate (2·Cout·Cin·9·H·W flops per second, so it compares with
    /// the conv3x3 figures; the GEMMs themselves do 4× fewer).
    private func winogradFigures(_ name: String, channels: Int, size: Int, report: (BenchmarkFigure) -> Void) {
        let input = Tensor(shape: [1, channels, size, size], repeating: 0.5)
        let weight = Tensor(shape: [channels, channels, 3, 3], repeating: 0.01)
        let bias = Tensor(shape: [channels], repeating: 0.1)
        let runs = size >= 256 ? Swift.min(self.runs, 3) : self.runs
        func seconds(_ algorithm: Conv2dAlgorithm) -> Double {
            BenchmarkClock.medianSeconds(runs: runs) {
                _ = input.conv2d(weight: weight, bias: bias, geometry: .init(stride: 1, padding: 1), algorithm: algorithm)
            }
        }
        let winograd = seconds(.winograd), direct = seconds(.direct)
        report(BenchmarkFigure(name, winograd, "s"))
        report(BenchmarkFigure("\(name)-direct", direct, "s"))
        report(BenchmarkFigure("\(name)-speedup", direct / winograd, "x"))
        report(BenchmarkFigure("\(name)-rate", 2.0 * Double(channels * channels * 9 * size * size) / winograd / 1e9, "GFLOP/s"))
    }

    private func gemmRate(size: Int, kernel: GEMM.F32Kernel, parallel: Bool) -> Double {
        let a = [Float](repeating: 0.5, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        let seconds = BenchmarkClock.medianSeconds(runs: runs) {
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(m: size, n: size, k: size, a: a.baseAddress!, lda: size, b: a.baseAddress!, ldb: size,
                                  c: c.baseAddress!, ldc: size, parallel: parallel, kernel: kernel)
                }
            }
        }
        return 2.0 * Double(size * size * size) / seconds / 1e9
    }

    private func bf16GemmRate(size: Int) -> Double {
        let b = [Float](repeating: 0.5, count: size * size)
        let weights = BF16Matrix(Tensor(shape: [size, size], scalars: b))
        var c = [Float](repeating: 0, count: size * size)
        let seconds = BenchmarkClock.medianSeconds(runs: runs) {
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.multiplyBF16(weights, n: size, b: b.baseAddress!, ldb: size, c: c.baseAddress!, rowStride: size)
                }
            }
        }
        return 2.0 * Double(size * size * size) / seconds / 1e9
    }
}
