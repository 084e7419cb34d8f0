/// How LoRA file keys name a layer and a tensor role, in each layout Retouch reads.
enum LoRAKeyParts {
    /// Key endings and the role they name, longest first so `.lora.down.weight` wins over `.down.weight`.
    static let suffixes: [(String, LoRAPart)] = [
        (".lora_linear_layer.down.weight", .down), (".lora_linear_layer.up.weight", .up),
        (".lora.down.weight", .down), (".lora.up.weight", .up),
        ("_lora.down.weight", .down), ("_lora.up.weight", .up),
        (".lora_down.weight", .down), (".lora_up.weight", .up), (".lora_mid.weight", .mid),
        (".lora_A.weight", .down), (".lora_B.weight", .up),
        (".lora_A.default.weight", .down), (".lora_B.default.weight", .up),
        (".alpha", .alpha),
    ] + LoRAPart.allCases.filter { $0.rawValue.hasPrefix("hada") || $0.rawValue.hasPrefix("lokr") }.map { ("." + $0.rawValue, $0) }

    /// The layer part and role of `key`, or nil if it ends in no known suffix.
    static func split(_ key: String) -> (group: String, part: LoRAPart)? {
        for (suffix, part) in suffixes where key.hasSuffix(suffix) {
            var group = String(key.dropLast(suffix.count))
            if suffix.hasPrefix("_lora.") {
                // Attention-processor LoRA (diffusers < 0.22): `attn1.processor.to_out_lora.down.weight`.
                guard let processor = group.range(of: ".processor.", options: .backwards) else { return nil }
                let projection = String(group[processor.upperBound...])
                group = String(group[..<processor.lowerBound]) + "." + (projection == "to_out" ? "to_out.0" : projection)
            }
            return group.isEmpty ? nil : (group, part)
        }
        return nil
    }

    /// Where a key group points.
    struct Location { let component: LoRAComponent; let name: String; let isDotted: Bool; var id: String { "\(component.rawValue)|\(name)" } }

    /// The component and layer name of a group, or nil for a prefix Retouch does not know.
    static func location(_ group: String) -> Location? {
        let forms: [(String, LoRAComponent, Bool)] = [("lora_unet_", .unet, false), ("lora_te_", .textEncoder, false),
                                                     ("unet.", .unet, true), ("text_encoder.", .textEncoder, true)]
        for (prefix, component, dotted) in forms where group.hasPrefix(prefix) && group.count > prefix.count {
            var name = String(group.dropFirst(prefix.count))
            if dotted, name.hasPrefix("base_model.model.") { name = String(name.dropFirst("base_model.model.".count)) }
            return Location(component: component, name: name, isDotted: dotted)
        }
        return nil
    }
}
