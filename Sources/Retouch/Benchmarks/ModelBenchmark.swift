import Foundation
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTokenizer
import RetouchSafetensors
import RetouchTensor

/// `retouch bench models`: SD 1.5-architecture CLIP, UNet and VAE with seeded random weights, built through the
/// same loading path as real checkpoints (speed does not depend on the values).
public struct ModelBenchmark: Sendable {
    /// Timed runs per figure (median reported).
    public var runs: Int
    /// Model residency of the whole-inpaint figure (the CLI's one-shot default is lean).
    public var residency: Residency = .lean
    /// Weight precision of every model.
    public var precision: Precision = .fp32

    /// Creates the benchmark.
    public init(runs: Int = 3, residency: Residency = .lean, precision: Precision = .fp32) {
        self.runs = runs
        self.residency = residency
        self.precision = precision
    }

    /// Figure names, in the order they run.
    public static let figureNames = ["text-encode", "unet-step-256", "unet-step-512", "vae-encode-512", "vae-decode-512",
                                     "load-unet-fp16", "inpaint-512", "unet-bf16-error", "lora-merge",
                                     "inpaint-512-lcm4", "inpaint-512-lcm4-taesd", "vae-decode-512-bf16"]

    /// Runs the figures named in `only` (all when empty), reporting each line as soon as it is measured.
    public func run(only: Set<String> = [], report: (BenchmarkFigure) -> Void) throws {
        func wanted(_ name: String) -> Bool { only.isEmpty || only.contains(name) }
        let weights = RandomWeights(seed: 0)

        if wanted("text-encode") {
            let encoder = try CLIPTextModel(config: .sd15, weights: weights, precision: precision)
            let tokens = [[49406] + Array(repeating: 320, count: 75) + [49407], [49406] + Array(repeating: 49407, count: 76)]
            measure("text-encode", report) { _ = encoder.encode(tokens) }
        }
        if wanted("unet-step-256") || wanted("unet-step-512") {
            let unet = try UNet2DConditionModel(config: .sd15, weights: weights, precision: precision)
            let context = Tensor(shape: [2, 77, 768], repeating: 0.1)
            for size in [256, 512] where wanted("unet-step-\(size)") {
                // One classifier-free-guided step: unconditional and conditional halves in one batch of 2.
                let latent = Tensor(shape: [2, 4, size / 8, size / 8], repeating: 0.5)
                measure("unet-step-\(size)", report) { _ = unet(latent, timestep: 981, context: context) }
            }
        }
        if wanted("vae-encode-512") || wanted("vae-decode-512") {
            let vae = try AutoencoderKL(config: .sd15, weights: weights, precision: precision)
            if wanted("vae-encode-512") {
                let image = Tensor(shape: [1, 3, 512, 512], repeating: 0.2)
                measure("vae-encode-512", report) { _ = vae.encode(image) }
            }
            if wanted("vae-decode-512") {
                let latent = Tensor(shape: [1, 4, 64, 64], repeating: 0.2)
                measure("vae-decode-512", report) { _ = vae.decode(latent) }
            }
        }
        if Self.figureNames.prefix(5).contains(where: wanted) {
            report(BenchmarkFigure("peak-rss", Double(PeakMemory.peakBytes()) / 1e6, "MB"))
        }
        if wanted("load-unet-fp16") { try measureFP16Load(report) }
        if only.contains("unet-bf16-error") { try measureBF16Error(report) }
        if wanted("inpaint-512") { try measureInpaint(report) }
        if only.contains("vae-decode-512-bf16") {
            // The VAE as `--precision bf16` holds it on this CPU (fp32 weights where bf16 is not native).
            let vae = try AutoencoderKL(config: .sd15, weights: weights, precision: .bf16)
            report(BenchmarkFigure("vae-decode-512-bf16-weights-bf16", vae.precision == .bf16 ? 1 : 0, "bool"))
            let latent = Tensor(shape: [1, 4, 64, 64], repeating: 0.2)
            measure("vae-decode-512-bf16", report) { _ = vae.decode(latent) }
        }
        if only.contains("inpaint-512-lcm4") { try measureInpaint(report, fewStep: true) }
        if only.contains("inpaint-512-lcm4-taesd") { try measureInpaint(report, fewStep: true, taesd: true) }
        if only.contains("lora-merge") { try measureLoRAMerge(report) }
    }

    private func measure(_ name: String, _ report: (BenchmarkFigure) -> Void, _ body: () -> Void) {
        body()   // warm-up
        var seconds: [Double] = [], cpuSeconds: [Double] = []
        var operations = 0
        for _ in 0..<max(1, runs) {
            let before = GEMM.operationCount.load(ordering: .relaxed)
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = Self.processCPUSeconds()
            body()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpuSeconds.append(Self.processCPUSeconds() - startCPU)
            operations = GEMM.operationCount.load(ordering: .relaxed) - before
        }
        let median = seconds.sorted()[seconds.count / 2]
        report(BenchmarkFigure(name, median, "s"))
        report(BenchmarkFigure("\(name)-rate", Double(operations) / median / 1e9, "GFLOP/s"))
        // All threads' CPU time: steadier than wall time when other processes share the cores.
        report(BenchmarkFigure("\(name)-cpu", cpuSeconds.sorted()[cpuSeconds.count / 2], "s"))
    }

    /// CPU seconds of every thread of this process so far.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// One guided 512 px UNet step in bf16 against fp32 with the same random weights, on a noise latent and a
    /// random context: the relative RMS difference of the noise predictions (`unet-bf16-error`, in %), a
    /// numerical proxy at full size for what the tiny parity fixtures check as image PSNR. Only on request.
    private func measureBF16Error(_ report: (BenchmarkFigure) -> Void) throws {
        let weights = RandomWeights(seed: 0)
        var generator = TorchRandomSource(seed: 1)
        let latent = Tensor(shape: [2, 4, 64, 64], scalars: generator.normal(count: 2 * 4 * 64 * 64))
        let context = Tensor(shape: [2, 77, 768], scalars: generator.normal(count: 2 * 77 * 768))
        let exact = try UNet2DConditionModel(config: .sd15, weights: weights, precision: .fp32)(latent, timestep: 501, context: context)
        MemoryPolicy.releaseFreeMemory()
        let rounded = try UNet2DConditionModel(config: .sd15, weights: weights, precision: .bf16)(latent, timestep: 501, context: context)
        var difference = 0.0, magnitude = 0.0
        for (a, b) in zip(rounded.scalars, exact.scalars) {
            difference += Double((a - b) * (a - b))
            magnitude += Double(b * b)
        }
        report(BenchmarkFigure("unet-bf16-error", 100 * (difference / magnitude).squareRoot(), "%"))
    }

    /// Writes an SD 1.5-size UNet as fp16 safetensors, then loads it and reports the peak memory of loading
    /// relative to the float32 parameter bytes (the target is below 1.2: weights held once, as float32).
    private func measureFP16Load(_ report: (BenchmarkFigure) -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retouch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("unet.fp16.safetensors")
        var parameterCount = 0
        do {
            let recorder = RecordingWeights(RandomWeights(seed: 1))
            _ = try UNet2DConditionModel(config: .sd15, weights: recorder)
            parameterCount = recorder.tensors.values.reduce(0) { $0 + $1.count }
            try SafetensorsWriter.write(recorder.tensors, to: file, storage: .f16)
        }
        let baseline = PeakMemory.currentBytes()
        PeakMemory.reset()
        let start = DispatchTime.now().uptimeNanoseconds
        let unet = try UNet2DConditionModel(config: .sd15, weights: SafetensorsWeights(urls: [file]))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let growth = PeakMemory.peakBytes() - baseline
        withExtendedLifetime(unet) {}
        report(BenchmarkFigure("load-unet-fp16", seconds, "s"))
        report(BenchmarkFigure("load-unet-fp16-parameters", Double(parameterCount) / 1e6, "M"))
        report(BenchmarkFigure("load-unet-fp16-peak-growth", Double(growth) / 1e6, "MB"))
        report(BenchmarkFigure("load-unet-fp16-peak-vs-fp32-bytes", Double(growth) / Double(4 * parameterCount), "x"))
    }
}

extension ModelBenchmark {
    /// A whole 20-step 512 px inpaint with an SD 1.5 inpainting-architecture model (9-channel UNet), from building
    /// the models to the composited image, and the peak RSS of all of it, with the CLI's one-shot residency
    /// (`Residency.lean`: each model is built when a phase needs it and dropped after). Run it alone
    /// (`--only inpaint-512`) for a peak that is the inpaint's own.
    ///
    /// With `fewStep`, `inpaint-512-lcm4`: the same inpaint as an LCM-LoRA user runs it, 4 `lcm` steps at guidance 1
    /// (one UNet batch per step), full VAE; run only when named. With `taesd` too, `inpaint-512-lcm4-taesd`: the
    /// final image decoded by a TAESD (random weights of the published architecture), the photo still encoded by
    /// the full VAE, as `--decoder taesd:PATH` runs it.
    func measureInpaint(_ report: (BenchmarkFigure) -> Void, fewStep: Bool = false, taesd: Bool = false) throws {
        PeakMemory.reset()
        let start = DispatchTime.now().uptimeNanoseconds
        var inpaintConfig = UNetConfig.sd15
        inpaintConfig.inChannels = 9
        let unetConfig = inpaintConfig
        let precision = self.precision
        var model = try StableDiffusion(tokenizer: try CLIPTokenizer.bundled(),
                                        textEncoder: { try CLIPTextModel(config: .sd15, weights: RandomWeights(seed: 2), precision: precision) },
                                        unet: { try UNet2DConditionModel(config: unetConfig, weights: RandomWeights(seed: 3), precision: precision) },
                                        vae: { .kl(try AutoencoderKL(config: .sd15, weights: RandomWeights(seed: 4), precision: precision)) },
                                        schedulerConfig: SchedulerConfig(), defaultScheduler: .pndm, name: "random-sd15-inpainting",
                                        residency: residency)
        if taesd { model.taesdDecoder = try AutoencoderTiny(config: .sd, weights: RandomWeights(seed: 6)).decoder }
        let photo = Image(width: 512, height: 512, channels: 3, pixels: (0..<(512 * 512 * 3)).map { Float($0 % 251) / 250 })
        var mask = Mask(width: 512, height: 512)
        for y in 128..<384 { for x in 160..<352 { mask[x, y] = 1 } }
        var settings = DiffusionSettings(prompt: "a red saucer on a wooden table")
        settings.steps = fewStep ? 4 : 20
        if fewStep {
            settings.scheduler = .lcm
            settings.guidance = 1
        }
        _ = try EditPipelines(model: model).inpaint(photo: photo, mask: mask, settings: settings, options: InpaintOptions())
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let name = taesd ? "inpaint-512-lcm4-taesd" : fewStep ? "inpaint-512-lcm4" : "inpaint-512"
        report(BenchmarkFigure(name, seconds, "s"))
        report(BenchmarkFigure("\(name)-peak-rss", Double(PeakMemory.peakBytes()) / 1e6, "MB"))
    }
}

/// Wraps a source and keeps every tensor it hands out (to write a generated model to a file).
final class RecordingWeights: WeightSource, @unchecked Sendable {
    let inner: any WeightSource
    private(set) var tensors: [String: Tensor] = [:]

    init(_ inner: any WeightSource) { self.inner = inner }

    var origin: String { inner.origin }
    var tensorNames: Set<String> { inner.tensorNames }
    var isExhaustive: Bool { inner.isExhaustive }
    func shape(of name: String) -> [Int]? { inner.shape(of: name) }
    func tensor(_ name: String) throws -> Tensor { try record(name, inner.tensor(name)) }
    func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor {
        try record(name, inner.tensor(name, expectedShape: expectedShape))
    }

    private func record(_ name: String, _ tensor: Tensor) -> Tensor {
        tensors[name] = tensor
        return tensor
    }
}
