/// How a single file's tensors become diffusers tensors, worked out from names and shapes alone (no data is
/// read): the inferred layouts and, per component, each diffusers name's stored key, transform and shape.
public struct LDMCheckpointPlan: Sendable {
    /// The UNet's architecture.
    public let unetLayout: LDMUNetLayout
    /// The VAE's architecture.
    public let vaeLayout: LDMVAELayout
    /// The text encoder's architecture.
    public let textLayout: LDMTextLayout
    /// Per component, diffusers name → where it comes from.
    public let entries: [LDMComponent: [String: RemappedWeights.Entry]]
    /// Stored keys that are known and unused, sorted.
    public let ignoredKeys: [String]

    /// Plans the mapping of a file with these stored `shapes` (by key); `origin` names the file in errors.
    /// Unknown keys, transforms that do not fit a shape and two keys landing on one name are errors.
    public init(shapes: [String: [Int]], origin: String) throws {
        let table = ShapeTable(file: origin, shapes: shapes)
        guard table.hasPrefix(LDMUNetLayout.prefix) else {
            throw ModelLoadingError(origin: origin, problem: "no model.diffusion_model.* tensors: not a Stable Diffusion " +
                                        "1.x/2.x single-file checkpoint in the original LDM layout")
        }
        unetLayout = try LDMUNetLayout(table)
        vaeLayout = try LDMVAELayout(table)
        textLayout = try LDMTextLayout(table)
        let map = KeyMap(rules: LDMKeyMap.rules(unet: unetLayout, vae: vaeLayout, text: textLayout),
                         ignoredNames: LDMKeyMap.ignoredNames)
        var entries: [LDMComponent: [String: RemappedWeights.Entry]] = [:]
        var sources: [String: String] = [:]  // "component/name" → stored key, to report collisions
        var ignored: [String] = []
        var unknown: [String] = []
        for key in shapes.keys.sorted() {
            guard let targets = map.resolve(key) else {
                unknown.append(key)
                continue
            }
            if targets.isEmpty { ignored.append(key) }
            let stored = shapes[key] ?? []
            for target in targets {
                let component = target.component.rawValue
                guard let shape = target.transform.shape(from: stored) else {
                    throw ModelLoadingError(origin: origin, key: key,
                                            problem: "shape \(stored) cannot become \(component) tensor '\(target.name)'")
                }
                let slot = "\(component)/\(target.name)"
                if let other = sources[slot] {
                    throw ModelLoadingError(origin: origin, key: key,
                                            problem: "maps to \(component) tensor '\(target.name)', as '\(other)' already does")
                }
                sources[slot] = key
                entries[target.component, default: [:]][target.name] =
                    RemappedWeights.Entry(source: key, transform: target.transform, shape: shape)
            }
        }
        if let first = unknown.first {
            let more = unknown.count > 1 ? " (and \(unknown.count - 1) more unknown keys)" : ""
            throw ModelLoadingError(origin: origin, key: first,
                                    problem: "unknown tensor: it maps to no UNet, VAE or text-encoder weight of a Stable Diffusion " +
                                        "1.x/2.x model and is not on the ignore list\(more)")
        }
        self.entries = entries
        ignoredKeys = ignored
    }

    /// The diffusers-style configs (`config.json` values) for these layouts.
    public func configs(_ options: LDMCheckpoint.Options) -> [LDMComponent: [String: JSONValue]] {
        let templates = options.templates, prediction = options.predictionType
        return [
            .unet: LDMConfigs.unet(unetLayout, openCLIP: textLayout.kind == .openCLIP, prediction: prediction,
                                   template: templates.unet),
            .vae: LDMConfigs.vae(vaeLayout, prediction: prediction, template: templates.vae),
            .textEncoder: LDMConfigs.textEncoder(textLayout, template: templates.textEncoder),
        ]
    }
}
