import RetouchSchedulers

/// Generation parameters in AUTOMATIC1111's infotext format, stored in PNGs under the key `parameters`.
public struct Infotext: Sendable {
    /// The settings used.
    public var settings: DiffusionSettings
    /// The scheduler that ran.
    public var scheduler: SchedulerKind
    /// Output size.
    public var width: Int, height: Int
    /// Model name.
    public var model: String
    /// Pairs describing the loaded model's files, written right after `Model` as A1111 does (`VAE hash`, `VAE`).
    public var modelFields: [(String, String)] = []
    /// Extra `Key: value` pairs in order (denoising strength, mask blur, …).
    public var extras: [(String, String)] = []

    /// Creates infotext.
    public init(settings: DiffusionSettings, scheduler: SchedulerKind, width: Int, height: Int, model: String) {
        self.settings = settings
        self.scheduler = scheduler
        self.width = width
        self.height = height
        self.model = model
    }

    /// AUTOMATIC1111's sampler name for a scheduler.
    public static func samplerName(_ kind: SchedulerKind) -> String {
        switch kind {
        case .ddim: "DDIM"
        case .pndm: "PLMS"
        case .euler: "Euler"
        case .eulerAncestral: "Euler a"
        case .dpmSolver2M: "DPM++ 2M"
        case .dpmSolver2MKarras: "DPM++ 2M Karras"
        case .heun: "Heun"
        case .lms: "LMS"
        case .unipc: "UniPC"
        case .lcm: "LCM"
        case .tcd: "TCD"
        }
    }

    /// `prompt\nNegative prompt: …\nSteps: …, Sampler: …, CFG scale: …, Seed: …, Size: WxH, Model: …, …`.
    public var text: String {
        var fields = [("Steps", "\(settings.steps)"), ("Sampler", Self.samplerName(scheduler)),
                      ("CFG scale", "\(settings.guidance)"), ("Seed", "\(settings.seed)"), ("Size", "\(width)x\(height)"),
                      ("Model", model)]
        if scheduler == .tcd { fields.insert(("Eta", "\(settings.eta)"), at: 4) }   // TCD's γ, after the seed
        fields += modelFields
        fields += extras
        fields.append(("Version", "Retouch 0.1.0"))
        var lines = [settings.prompt]
        if !settings.negativePrompt.isEmpty { lines.append("Negative prompt: \(settings.negativePrompt)") }
        lines.append(fields.map { "\($0.0): \($0.1)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
