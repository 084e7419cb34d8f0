/// How `ContentAwareFill` fills a hole.
public enum FillMethod: String, Sendable, CaseIterable, Codable {
    /// Exemplar-based (PatchMatch) for wide holes, diffusion for thin ones (scratches, wires).
    case auto
    /// Exemplar-based fill: coarse-to-fine PatchMatch with patch voting.
    case patchMatch = "patchmatch"
    /// Smooth membrane (harmonic) fill from the hole's border; best for thin defects.
    case diffusion
}

/// Options for `ContentAwareFill`.
public struct FillOptions: Sendable, Equatable {
    /// The algorithm.
    public var method: FillMethod
    /// Seed for PatchMatch's random search: the same seed gives the same pixels, whatever the core count.
    public var seed: UInt64
    /// Patch side in pixels (odd).
    public var patchSize: Int
    /// With `.auto`, holes no wider than this (twice the largest distance from a hole pixel to known pixels)
    /// use the diffusion fill.
    public var thinHoleWidth: Int

    /// Creates options.
    public init(method: FillMethod = .auto, seed: UInt64 = 0, patchSize: Int = 7, thinHoleWidth: Int = 6) {
        self.method = method
        self.seed = seed
        self.patchSize = patchSize | 1
        self.thinHoleWidth = thinHoleWidth
    }
}

/// A fill that cannot be done.
public struct FillError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Why.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
