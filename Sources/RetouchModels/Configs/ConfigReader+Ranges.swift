import Foundation

/// Range-checked accessors: every integer a model uses as a size, divisor or index is bounded when the config
/// is decoded, so hostile values are errors naming the file, key, value and allowed range instead of crashes.
extension ConfigReader {
    /// An integer that must lie in `range`.
    public func int(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> Int {
        let value = try int(key, default: fallback)
        try check(key, value, in: range)
        return value
    }

    /// A scalar-or-list field (see `perBlock(_:count:default:)`) whose every entry must lie in `range`.
    public func perBlock(_ key: String, count: Int, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> [Int] {
        let values = try perBlock(key, count: count, default: fallback)
        for value in values { try check(key, value, in: range) }
        return values
    }

    /// A list of integers with `count` in `counts` entries, each in `range`.
    public func ints(_ key: String, counts: ClosedRange<Int>, in range: ClosedRange<Int>) throws -> [Int] {
        let values = try ints(key)
        guard counts.contains(values.count) else {
            throw fail(key, "has \(values.count) entries; allowed \(counts.lowerBound)…\(counts.upperBound)")
        }
        for value in values { try check(key, value, in: range) }
        return values
    }

    /// A finite number in the open interval `(lower, upper)` (`upper` nil: no upper bound).
    public func double(_ key: String, default fallback: Double? = nil, above lower: Double, below upper: Double? = nil) throws -> Double {
        let value = try double(key, default: fallback)
        let inside = value > lower && upper.map { value < $0 } ?? true
        guard inside else {
            let bound = upper.map { "(\(lower), \($0))" } ?? "greater than \(lower)"
            throw fail(key, "value \(value) is outside the allowed range \(bound)")
        }
        return value
    }

    /// Throws unless `value` (from `key`) lies in `range`.
    public func check(_ key: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw fail(key, "value \(value) is outside the allowed range \(range.lowerBound)…\(range.upperBound)")
        }
    }
}

/// The bounds Retouch puts on model sizes (generous: Stable Diffusion's own values are far inside them).
public enum ModelLimits {
    /// Channels of any layer: 1…8192 (SD: at most 1280).
    public static let channels = 1...8192
    /// Image or latent channels at a model's edge: 1…64 (SD: 3, 4 or 9).
    public static let edgeChannels = 1...64
    /// Resolution levels: 1…8 (SD: 4).
    public static let levels = 1...8
    /// ResNet layers per block: 1…16 (SD: 2).
    public static let layersPerBlock = 1...16
    /// Transformer layers per attention block or text encoder: 1…128 (SD: 1; CLIP: 12…24).
    public static let layers = 1...128
    /// Width of embeddings and MLPs: 1…65536 (CLIP ViT-H: 5120).
    public static let width = 1...65536
    /// Token vocabulary: 1…1,000,000 (CLIP: 49408).
    public static let vocabulary = 1...1_000_000
    /// Token positions: 1…4096 (CLIP: 77).
    public static let positions = 1...4096
    /// Pixels of the largest image a model's `sample_size` may imply: 100 megapixels.
    public static let maxImagePixels = 100_000_000
    /// Pixels per latent the UNet's `sample_size` is multiplied by (SD's VAE factor).
    public static let unetSampleScale = 8
}

extension ConfigReader {
    /// `sample_size`: a positive side whose image (`side × pixelsPerUnit` squared) stays within
    /// `ModelLimits.maxImagePixels`; the products are overflow-checked.
    public func sampleSize(_ key: String = "sample_size", default fallback: Int, pixelsPerUnit: Int) throws -> Int {
        let value = try int(key, default: fallback)
        let (side, sideOverflow) = value.multipliedReportingOverflow(by: pixelsPerUnit)
        let (pixels, pixelsOverflow) = side.multipliedReportingOverflow(by: side)
        let largest = Int(Double(ModelLimits.maxImagePixels).squareRoot()) / pixelsPerUnit
        guard value >= 1, !sideOverflow, !pixelsOverflow, pixels <= ModelLimits.maxImagePixels else {
            throw fail(key, "value \(value) is outside the allowed range 1…\(largest) " +
                            "(\(pixelsPerUnit == 1 ? "" : "×\(pixelsPerUnit) ")pixels per side, at most \(ModelLimits.maxImagePixels / 1_000_000) megapixels)")
        }
        return value
    }

    /// `norm_num_groups`: 1…the narrowest channel count, dividing every one of `channels`.
    public func normGroups(_ key: String = "norm_num_groups", default fallback: Int, channels: [Int]) throws -> Int {
        let groups = try int(key, default: fallback, in: 1...(channels.min() ?? 1))
        if let bad = channels.first(where: { $0 % groups != 0 }) {
            throw fail(key, "value \(groups) does not divide \(bad) channels (block_out_channels \(channels)); it must divide every level's channels")
        }
        return groups
    }
}
