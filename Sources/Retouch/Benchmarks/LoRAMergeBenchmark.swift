import Foundation
import RetouchModels
import RetouchSafetensors
import RetouchTensor

extension ModelBenchmark {
    /// `lora-merge`: a rank-64 LoRA on every attention projection, feed-forward, 1×1 and 3×3 conv and time
    /// projection of the SD 1.5-size UNet (random fp16 weights in a PEFT-named safetensors file), merged while the
    /// UNet loads. Reports the time the merge adds to loading, and the peak memory growth of loading with the LoRA
    /// relative to loading without it (the goal: under 2 s, and no second copy of the UNet, so a ratio near 1):
    /// medians over `runs` alternating loads without and with it, after one untimed load.
    func measureLoRAMerge(_ report: (BenchmarkFigure) -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retouch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("lora.safetensors")
        let rank = 64
        var random = SplitMix(seed: 5)
        do {
            let shapes = ShapeRecorder(RandomWeights(seed: 1))
            _ = try UNet2DConditionModel(config: .sd15, weights: shapes)
            var tensors: [String: Tensor] = [:]
            for (name, shape) in shapes.shapes where name.hasSuffix(".weight") && (shape.count == 2 || shape.count == 4) {
                let module = "unet." + name.dropLast(".weight".count)
                let columns = shape.dropFirst().reduce(1, *)
                let downShape = shape.count == 4 ? [rank, shape[1], shape[2], shape[3]] : [rank, columns]
                let upShape = shape.count == 4 ? [shape[0], rank, 1, 1] : [shape[0], rank]
                tensors[module + ".lora_A.weight"] = Tensor(shape: downShape, scalars: (0..<(rank * columns)).map { _ in random.next() * 0.01 })
                tensors[module + ".lora_B.weight"] = Tensor(shape: upShape, scalars: (0..<(shape[0] * rank)).map { _ in random.next() * 0.01 })
            }
            try SafetensorsWriter.write(tensors, to: file, storage: .f16)
            report(BenchmarkFigure("lora-merge-layers", Double(tensors.count / 2), "layers"))
        }
        let lora = [LoRAApplication(file: try LoRAFile(url: file), textEncoderWeight: 1, unetWeight: 1)]
        func load(_ weights: any WeightSource) throws -> (seconds: Double, cpu: Double, growth: Int) {
            MemoryPolicy.releaseFreeMemory()
            let baseline = PeakMemory.currentBytes()
            PeakMemory.reset()
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = Self.processCPUSeconds()
            let unet = try UNet2DConditionModel(config: .sd15, weights: weights, precision: precision)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = Self.processCPUSeconds() - startCPU
            let growth = PeakMemory.peakBytes() - baseline
            withExtendedLifetime(unet) {}
            return (seconds, cpu, growth)
        }
        // One untimed load first (the process's first touch of that much memory costs page faults the later loads
        // do not pay), then loads without and with the LoRA alternately, so drift hits both sides alike.
        _ = try load(RandomWeights(seed: 1))
        var plain: [(seconds: Double, cpu: Double, growth: Int)] = [], merged = plain
        for _ in 0..<max(1, runs) {
            plain.append(try load(RandomWeights(seed: 1)))
            merged.append(try load(try LoRAWeights(RandomWeights(seed: 1), component: .unet, loras: lora)))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        report(BenchmarkFigure("lora-merge", median(merged.map(\.seconds)) - median(plain.map(\.seconds)), "s"))
        report(BenchmarkFigure("lora-merge-cpu", median(merged.map(\.cpu)) - median(plain.map(\.cpu)), "s"))
        report(BenchmarkFigure("lora-merge-load-without", median(plain.map(\.seconds)), "s"))
        report(BenchmarkFigure("lora-merge-peak-vs-without",
                               Double(merged.map(\.growth).max()!) / Double(max(plain.map(\.growth).max()!, 1)), "x"))
    }
}

/// Keeps only the shapes a source hands out.
final class ShapeRecorder: WeightSource, @unchecked Sendable {
    let inner: any WeightSource
    private(set) var shapes: [String: [Int]] = [:]
    init(_ inner: any WeightSource) { self.inner = inner }
    var origin: String { inner.origin }
    var tensorNames: Set<String> { inner.tensorNames }
    var isExhaustive: Bool { inner.isExhaustive }
    func shape(of name: String) -> [Int]? { inner.shape(of: name) }
    func tensor(_ name: String) throws -> Tensor { let t = try inner.tensor(name); shapes[name] = t.shape; return t }
    func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor {
        shapes[name] = expectedShape
        return Tensor(shape: expectedShape)
    }
}

/// A tiny deterministic generator for benchmark data (values in [-1, 1)).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
}
