/// The tensors of one layer's LoRA/LyCORIS module, by role.
public enum LoRAPart: String, Sendable, Hashable, CaseIterable {
    case down = "lora_down", up = "lora_up", mid = "lora_mid", alpha
    case hadaW1A = "hada_w1_a", hadaW1B = "hada_w1_b", hadaW2A = "hada_w2_a", hadaW2B = "hada_w2_b", hadaT1 = "hada_t1", hadaT2 = "hada_t2"
    case lokrW1 = "lokr_w1", lokrW1A = "lokr_w1_a", lokrW1B = "lokr_w1_b", lokrW2 = "lokr_w2", lokrW2A = "lokr_w2_a", lokrW2B = "lokr_w2_b", lokrT2 = "lokr_t2"
}

/// One patched layer: where it is and the names of its tensors in the file.
public struct LoRAModule: Sendable {
    /// The algorithm a module's tensors describe.
    public enum Kind: Sendable { case lowRank, loha, lokr }
    /// The part of the model.
    public let component: LoRAComponent
    /// The layer's name: dotted diffusers module name (`down_blocks.0.attentions.0.proj_in`), or kohya's underscored
    /// form (`down_blocks_0_attentions_0_proj_in`) resolved against the model's names when applied.
    public let name: String
    /// Whether `name` is dotted (diffusers) rather than underscored (kohya).
    public let isDotted: Bool
    /// File tensor names by role.
    public var tensorNames: [LoRAPart: String] = [:]
    /// The stored alpha, or nil (then scale 1 for low-rank: alpha = rank).
    public var alpha: Float?

    /// Which algorithm, from the roles present.
    public var kind: Kind {
        if tensorNames.keys.contains(where: { $0.rawValue.hasPrefix("hada") }) { return .loha }
        if tensorNames.keys.contains(where: { $0.rawValue.hasPrefix("lokr") }) { return .lokr }
        return .lowRank
    }

    /// Throws unless the roles form one complete module of one kind.
    func checkComplete(path: String) throws {
        let have = Set(tensorNames.keys)
        let needed: [[LoRAPart]]
        switch kind {
        case .lowRank: needed = [[.down], [.up]]
        case .loha: needed = [[.hadaW1A], [.hadaW1B], [.hadaW2A], [.hadaW2B]]
        case .lokr: needed = [[.lokrW1, .lokrW1A], [.lokrW2, .lokrW2A]]
        }
        for alternatives in needed where !alternatives.contains(where: have.contains) {
            throw ModelLoadingError(origin: path, key: tensorNames.values.sorted().first,
                                    problem: "the \(component.rawValue) layer \(name) lacks its \(alternatives.map(\.rawValue).joined(separator: " or ")) tensor")
        }
        let kinds = Set(have.map { $0.rawValue.prefix(4) }.filter { $0 == "hada" || $0 == "lokr" })
        if kinds.count > 1 || (kind != .lowRank && have.contains { [.down, .up, .mid].contains($0) }) {
            throw ModelLoadingError(origin: path, key: tensorNames.values.sorted().first, problem: "the layer \(name) mixes LoRA, LoHa and LoKr tensors")
        }
        if have.contains(.lokrW1A) != have.contains(.lokrW1B) || have.contains(.lokrW2A) != have.contains(.lokrW2B) {
            throw ModelLoadingError(origin: path, key: tensorNames.values.sorted().first, problem: "the LoKr layer \(name) has only one of a _a/_b factor pair")
        }
    }
}
