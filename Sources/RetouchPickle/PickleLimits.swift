/// Bounds on what one pickle may build, so a hostile file cannot exhaust memory or the stack.
///
/// The defaults are far above any checkpoint (a Stable Diffusion `.ckpt` with EMA weights builds about
/// 100,000 objects and a memo of similar size) and far below what would hurt a machine.
public struct PickleLimits: Sendable, Equatable {
    /// The most values on the stack at once.
    public var stackDepth = 1_000_000
    /// The most open `MARK`s at once.
    public var marks = 10_000
    /// The most memo entries.
    public var memoEntries = 2_000_000
    /// The most values stored into containers and tuples, in total.
    public var elements = 8_000_000
    /// The longest string or bytes object.
    public var stringBytes = 64 << 20
    /// The deepest nesting of dicts followed when naming tensors.
    public var nesting = 64

    /// The defaults.
    public init() {}
}
