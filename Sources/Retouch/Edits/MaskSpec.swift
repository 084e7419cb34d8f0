import Foundation
import RetouchImaging

/// Where an edit's mask comes from, and how it is shaped. Value type, one-to-one with the recipe form.
public struct MaskSpec: Codable, Sendable, Equatable {
    /// The mask's origin.
    public enum Source: Codable, Sendable, Equatable {
        /// A mask file; `{name}` is replaced by the photo's name without extension (`masks/{name}.png`).
        case file(String)
        /// The photo's own alpha channel (transparent = repaint).
        case alpha
        /// A rectangle `x, y, width, height` in pixels.
        case rectangle(x: Int, y: Int, width: Int, height: Int)
        /// An ellipse inscribed in the rectangle `x, y, width, height`.
        case ellipse(x: Int, y: Int, width: Int, height: Int)
    }

    /// The origin.
    public var source: Source
    /// Dilation in pixels.
    public var grow: Int = 0
    /// Erosion in pixels.
    public var shrink: Int = 0
    /// Gaussian feather in pixels.
    public var feather: Double = 0
    /// Swap repaint and keep.
    public var invert: Bool = false

    private enum CodingKeys: String, CodingKey { case file, alpha, rectangle, ellipse, grow, shrink, feather, invert }

    /// Recipe form: exactly one of `file: path`, `alpha: true`, `rectangle: [x, y, w, h]`, `ellipse: [x, y, w, h]`,
    /// plus optional `grow`, `shrink`, `feather`, `invert`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func box(_ key: CodingKeys) throws -> (Int, Int, Int, Int)? {
            guard let values = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
            guard values.count == 4 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected [x, y, width, height]")
            }
            do {
                try Self.checkBox(x: values[0], y: values[1], width: values[2], height: values[3])
            } catch let error as InvalidParameter {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: error.problem)
            }
            return (values[0], values[1], values[2], values[3])
        }
        var sources: [Source] = []
        if let file = try c.decodeIfPresent(String.self, forKey: .file) { sources.append(.file(file)) }
        if try c.decodeIfPresent(Bool.self, forKey: .alpha) == true { sources.append(.alpha) }
        if let r = try box(.rectangle) { sources.append(.rectangle(x: r.0, y: r.1, width: r.2, height: r.3)) }
        if let e = try box(.ellipse) { sources.append(.ellipse(x: e.0, y: e.1, width: e.2, height: e.3)) }
        guard sources.count == 1, let source = sources.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a mask needs exactly one of file, alpha, rectangle, ellipse"))
        }
        self.source = source
        grow = try c.decode(.grow, default: 0, in: ParameterRules.pixels)
        shrink = try c.decode(.shrink, default: 0, in: ParameterRules.pixels)
        feather = try c.decode(.feather, default: 0, in: ParameterRules.blur)
        invert = try c.decodeIfPresent(Bool.self, forKey: .invert) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch source {
        case .file(let path): try c.encode(path, forKey: .file)
        case .alpha: try c.encode(true, forKey: .alpha)
        case .rectangle(let x, let y, let w, let h): try c.encode([x, y, w, h], forKey: .rectangle)
        case .ellipse(let x, let y, let w, let h): try c.encode([x, y, w, h], forKey: .ellipse)
        }
        if grow != 0 { try c.encode(grow, forKey: .grow) }
        if shrink != 0 { try c.encode(shrink, forKey: .shrink) }
        if feather != 0 { try c.encode(feather, forKey: .feather) }
        if invert { try c.encode(invert, forKey: .invert) }
    }

    /// Creates a spec.
    public init(source: Source, grow: Int = 0, shrink: Int = 0, feather: Double = 0, invert: Bool = false) {
        self.source = source
        self.grow = grow
        self.shrink = shrink
        self.feather = feather
        self.invert = invert
    }

    /// Throws unless `x, y, width, height` is a box Retouch can draw: a positive size and corners within
    /// ±65535 pixels (a box may lie partly or wholly outside the photo; it is clipped).
    public static func checkBox(x: Int, y: Int, width: Int, height: Int, field: String = "box") throws {
        let limit = ParameterRules.pixels.upperBound
        guard (1...limit).contains(width), (1...limit).contains(height) else {
            throw InvalidParameter(field: field, problem: "width and height must be from 1 to \(limit); got \(width)x\(height)")
        }
        guard (-limit...limit).contains(x), (-limit...limit).contains(y) else {
            throw InvalidParameter(field: field, problem: "x and y must be from -\(limit) to \(limit); got \(x), \(y)")
        }
    }

    /// Checks the shaping values of a spec built in code (recipes are checked as they are decoded).
    public func validate() throws {
        try ParameterRules.check(grow, "grow", in: ParameterRules.pixels)
        try ParameterRules.check(shrink, "shrink", in: ParameterRules.pixels)
        try ParameterRules.check(feather, "feather", in: ParameterRules.blur)
        switch source {
        case .rectangle(let x, let y, let width, let height), .ellipse(let x, let y, let width, let height):
            try Self.checkBox(x: x, y: y, width: width, height: height)
        case .file, .alpha: break
        }
    }

    /// A mask from a file (pattern allowed).
    public static func file(_ pattern: String) -> MaskSpec { MaskSpec(source: .file(pattern)) }
    /// The photo's alpha channel.
    public static var alpha: MaskSpec { MaskSpec(source: .alpha) }
    /// A rectangle.
    public static func rectangle(x: Int, y: Int, width: Int, height: Int) -> MaskSpec {
        MaskSpec(source: .rectangle(x: x, y: y, width: width, height: height))
    }
    /// An ellipse in a rectangle.
    public static func ellipse(x: Int, y: Int, width: Int, height: Int) -> MaskSpec {
        MaskSpec(source: .ellipse(x: x, y: y, width: width, height: height))
    }

    /// Grown by `pixels`.
    public func grown(by pixels: Int) -> MaskSpec { var copy = self; copy.grow = pixels; return copy }
    /// Shrunk by `pixels`.
    public func shrunk(by pixels: Int) -> MaskSpec { var copy = self; copy.shrink = pixels; return copy }
    /// Feathered by `pixels`.
    public func feathered(by pixels: Double) -> MaskSpec { var copy = self; copy.feather = pixels; return copy }
    /// Inverted.
    public func inverted() -> MaskSpec { var copy = self; copy.invert = true; return copy }

    /// The mask for `image` (named `name`), with file patterns resolved against `baseDirectory`.
    public func resolve(for image: Image, name: String, alpha: Image? = nil, baseDirectory: URL) throws -> Mask {
        try validate()
        var mask: Mask
        switch source {
        case .file(let pattern):
            let path = pattern.replacingOccurrences(of: "{name}", with: name)
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
            mask = try Mask.read(url)
        case .alpha:
            guard image.hasAlpha else { throw ImageError(file: name, problem: "has no alpha channel to take the mask from") }
            mask = Mask(image: image, source: .alpha).inverted()
        case .rectangle(let x, let y, let width, let height), .ellipse(let x, let y, let width, let height):
            try Self.checkBox(x: x, y: y, width: width, height: height)
            mask = Mask(width: image.width, height: image.height)
            let isEllipse: Bool = { if case .ellipse = source { return true } else { return false } }()
            // The box clipped to the photo (possibly empty: a box wholly outside draws nothing).
            let rows = max(0, y)..<max(max(0, y), min(image.height, y + height))
            let columns = max(0, x)..<max(max(0, x), min(image.width, x + width))
            for py in rows {
                for px in columns {
                    if isEllipse {
                        let dx = (Double(px) + 0.5 - Double(x) - Double(width) / 2) / (Double(width) / 2)
                        let dy = (Double(py) + 0.5 - Double(y) - Double(height) / 2) / (Double(height) / 2)
                        if dx * dx + dy * dy > 1 { continue }
                    }
                    mask[px, py] = 1
                }
            }
        }
        if mask.width != image.width || mask.height != image.height {
            mask = mask.resized(width: image.width, height: image.height, filter: .bilinear)
        }
        return shaped(mask)
    }

    /// Applies grow, shrink, invert and feather, in that order.
    public func shaped(_ mask: Mask) -> Mask {
        var result = mask
        if grow > 0 { result = result.grown(by: grow) }
        if shrink > 0 { result = result.shrunk(by: shrink) }
        if invert { result = result.inverted() }
        if feather > 0 { result = result.blurred(sigma: feather) }
        return result
    }
}
