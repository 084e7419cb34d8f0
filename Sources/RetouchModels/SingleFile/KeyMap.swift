/// One renaming rule of a single-file key map: stored keys that start with `source` are renamed by replacing
/// that prefix with each target's prefix (several targets split one stored tensor, e.g. fused q/k/v).
/// A rule with no targets marks stored keys as known but unused.
public struct KeyRule: Sendable, Equatable {
    /// Where the renamed tensors go.
    public struct Target: Sendable, Equatable {
        /// The component the tensor belongs to.
        public let component: LDMComponent
        /// Replaces `source` at the start of the stored key.
        public let prefix: String
        /// How the stored tensor becomes the diffusers tensor.
        public let transform: TensorTransform

        /// Creates a target.
        public init(component: LDMComponent, prefix: String, transform: TensorTransform = .identity) {
            self.component = component
            self.prefix = prefix
            self.transform = transform
        }
    }

    /// Creates a rule.
    public init(source: String, targets: [Target]) {
        self.source = source
        self.targets = targets
    }

    /// The stored-key prefix this rule matches.
    public let source: String
    /// Where matching keys go; empty for keys that are known and deliberately unused.
    public let targets: [Target]

    /// A rule that renames `source…` to `target…` in `component`.
    public static func rename(_ source: String, _ target: String, in component: LDMComponent,
                              transform: TensorTransform = .identity) -> KeyRule {
        KeyRule(source: source, targets: [Target(component: component, prefix: target, transform: transform)])
    }

    /// A rule that marks keys starting with `source` as known and unused.
    public static func ignore(_ source: String) -> KeyRule { KeyRule(source: source, targets: []) }
}

/// What one stored key becomes: a diffusers tensor name in a component, and how to derive it.
public struct MappedKey: Sendable, Equatable {
    /// The component (UNet, VAE or text encoder).
    public let component: LDMComponent
    /// The diffusers name within the component.
    public let name: String
    /// How the stored tensor becomes this one.
    public let transform: TensorTransform

    /// Creates a mapped key.
    public init(component: LDMComponent, name: String, transform: TensorTransform) {
        self.component = component
        self.name = name
        self.transform = transform
    }
}

/// A table of prefix rules, matched longest prefix first.
public struct KeyMap: Sendable {
    private let rules: [String: [KeyRule.Target]]
    private let prefixLengths: [Int]
    private let ignoredNames: Set<String>

    /// Builds the table; a later rule for the same source replaces an earlier one. `ignoredNames` are exact
    /// stored keys that are known and unused (schedule buffers and the like).
    public init(rules: [KeyRule], ignoredNames: Set<String> = []) {
        var table: [String: [KeyRule.Target]] = [:]
        for rule in rules { table[rule.source] = rule.targets }
        self.rules = table
        prefixLengths = Set(table.keys.map(\.utf8.count)).sorted(by: >)
        self.ignoredNames = ignoredNames
    }

    /// The tensors `key` maps to: nil when no rule matches (an unknown key), empty when it is known and unused.
    public func resolve(_ key: String) -> [MappedKey]? {
        if ignoredNames.contains(key) { return [] }
        let bytes = Array(key.utf8)
        for length in prefixLengths where length <= bytes.count {
            let prefix = String(decoding: bytes[..<length], as: UTF8.self)
            guard let targets = rules[prefix] else { continue }
            let rest = String(decoding: bytes[length...], as: UTF8.self)
            return targets.map { MappedKey(component: $0.component, name: $0.prefix + rest, transform: $0.transform) }
        }
        return nil
    }
}
