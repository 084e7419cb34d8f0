import RetouchTensor

/// A LoRA file applied at a strength: `W' = W + strength·ΔW` for each layer it patches.
public struct LoRAApplication: Sendable {
    /// The parsed file.
    public let file: LoRAFile
    /// The strength for the text encoder and for the UNet (`<lora:NAME:TE:UNET>`).
    public let textEncoderWeight: Float, unetWeight: Float

    /// Applies `file` at `textEncoderWeight` and `unetWeight`.
    public init(file: LoRAFile, textEncoderWeight: Float, unetWeight: Float) {
        self.file = file
        self.textEncoderWeight = textEncoderWeight
        self.unetWeight = unetWeight
    }

    func weight(for component: LoRAComponent) -> Float { component == .unet ? unetWeight : textEncoderWeight }
}

/// A weight source that merges LoRAs into another as the loader reads it, before any bf16 or Winograd packing.
///
/// Each patched tensor is read from `base`, gets every LoRA's delta added in place, and is handed on; so only one
/// layer's delta exists at a time and the model is never held twice. Construction resolves every module of the
/// component to a parameter of `base` and checks its shape, so a LoRA that does not fit (unmatched layers, another
/// architecture) is refused before anything is loaded. A 4-channel `conv_in` LoRA on a 9-channel inpainting UNet is
/// zero-padded, as AUTOMATIC1111 does.
public struct LoRAWeights: WeightSource {
    private let base: any WeightSource
    /// Parameter name → the modules patching it, with their strength.
    private let patches: [String: [(module: LoRAModule, file: LoRAFile, weight: Float)]]
    public var origin: String { base.origin }
    public var tensorNames: Set<String> { base.tensorNames }
    public var isExhaustive: Bool { base.isExhaustive }

    /// The parameter names patched (for tests and reports).
    public var patchedNames: Set<String> { Set(patches.keys) }

    /// `base` (the `component`'s weights under diffusers names) with `loras` merged.
    public init(_ base: any WeightSource, component: LoRAComponent, loras: [LoRAApplication]) throws {
        self.base = base
        var underscored: [String: String] = [:]
        var ambiguous: Set<String> = []
        for name in base.tensorNames where name.hasSuffix(".weight") {
            let module = String(name.dropLast(".weight".count))
            let key = module.replacingOccurrences(of: ".", with: "_")
            if underscored.updateValue(module, forKey: key) != nil { ambiguous.insert(key) }
        }
        var patches: [String: [(module: LoRAModule, file: LoRAFile, weight: Float)]] = [:]
        for lora in loras {
            var unmatched: [String] = []
            for module in lora.file.modules where module.component == component {
                var target: String?
                if module.isDotted {
                    for candidate in [module.name, "text_model." + module.name] where !base.isExhaustive || base.shape(of: candidate + ".weight") != nil {
                        target = candidate + ".weight"; break
                    }
                } else if !ambiguous.contains(module.name) {
                    target = underscored[module.name].map { $0 + ".weight" }
                }
                guard let target else { unmatched.append(module.tensorNames.values.sorted().first ?? module.name); continue }
                if let shape = base.shape(of: target) {
                    try Self.checkFits(module, file: lora.file, shape: shape, target: target)
                }
                patches[target, default: []].append((module, lora.file, lora.weight(for: component)))
            }
            guard unmatched.isEmpty else {
                throw ModelLoadingError(origin: lora.file.path, problem: "\(unmatched.count) LoRA layer(s) match no \(component.rawValue) weight of this model " +
                                        "(a LoRA for another architecture?): " + unmatched.prefix(20).joined(separator: ", ") + (unmatched.count > 20 ? ", …" : ""))
            }
        }
        self.patches = patches
    }

    public func shape(of name: String) -> [Int]? { base.shape(of: name) }

    public func tensor(_ name: String) throws -> Tensor { try patch(name, try base.tensor(name)) }

    public func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor {
        try patch(name, try base.tensor(name, expectedShape: expectedShape))
    }

    private func patch(_ name: String, _ weight: Tensor) throws -> Tensor {
        guard let list = patches[name] else { return weight }
        var weight = weight
        for (module, file, strength) in list where strength != 0 {
            if try LoRADelta.accumulateLowRank(module, archive: file.archive, strength: strength, into: &weight) { continue }
            let delta = try LoRADelta.compute(module, archive: file.archive)
            try Self.add(delta, strength: strength, to: &weight, module: module, file: file, target: name)
        }
        return weight
    }

    /// Checks from the shapes alone (no tensor read) that `module` can patch a weight of `shape`.
    static func checkFits(_ module: LoRAModule, file: LoRAFile, shape: [Int], target: String) throws {
        let shapes = file.archive.shapes
        func dims(_ part: LoRAPart) -> [Int]? { module.tensorNames[part].flatMap { shapes[$0] } }
        var out: Int?, inputs: Int?
        switch module.kind {
        case .lowRank:
            out = dims(.up)?.first
            if let down = dims(.down), down.count >= 2 { inputs = down[1] }
        case .loha:
            if module.tensorNames[.hadaT1] != nil { out = dims(.hadaW1A).flatMap { $0.count == 2 ? $0[1] : nil }; inputs = dims(.hadaW1B).flatMap { $0.count == 2 ? $0[1] : nil } }
            else { out = dims(.hadaW1A)?.first }
        case .lokr:
            break
        }
        let fitsOut = out.map { $0 == shape.first } ?? true
        let fitsIn = inputs.map { $0 == shape[safe: 1] || (shape.count == 4 && shape[1] == 9 && $0 == 4) } ?? true
        guard fitsOut, fitsIn else {
            throw ModelLoadingError(origin: file.path, key: module.tensorNames.values.sorted().first,
                                    problem: "the LoRA layer does not fit \(target) \(shape) (it has \(out.map(String.init) ?? "?") outputs and \(inputs.map(String.init) ?? "?") inputs); it was made for another model")
        }
    }

    /// `weight += strength·delta`, zero-padding a 4-channel delta into a 9-channel `conv_in`.
    static func add(_ delta: LoRADelta, strength: Float, to weight: inout Tensor, module: LoRAModule, file: LoRAFile, target: String) throws {
        let shape = weight.shape
        let rows = shape.first ?? 0
        let columns = rows > 0 ? weight.count / rows : 0
        if delta.rows == rows, delta.columns == columns, delta.layerShape.reduce(1, *) == weight.count {
            weight.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count { w[i] += strength * delta.scalars[i] }
            }
            return
        }
        // A1111: a 4-channel conv delta on a 9-channel inpainting conv_in is padded with zeros for the extra 5 channels.
        if shape.count == 4, shape[1] == 9, delta.layerShape.count == 4, delta.layerShape[0] == rows, delta.layerShape[1] == 4,
           delta.layerShape[2] == shape[2], delta.layerShape[3] == shape[3] {
            let taps = shape[2] * shape[3], deltaColumns = 4 * taps
            weight.withUnsafeMutableBufferPointer { w in
                for o in 0..<rows { for c in 0..<deltaColumns { w[o * columns + c] += strength * delta.scalars[o * deltaColumns + c] } }
            }
            return
        }
        throw ModelLoadingError(origin: file.path, key: module.tensorNames.values.sorted().first,
                                problem: "its delta \(delta.layerShape) does not fit \(target) \(shape); the LoRA was made for another model")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
