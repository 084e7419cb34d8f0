import Foundation
import RetouchChecks

/// A pixel rectangle: `x`, `y` of the top-left corner, `width` × `height`.
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    /// Left edge.
    public var x: Int
    /// Top edge.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// One past the right edge.
    public var maxX: Int { x + width }
    /// One past the bottom edge.
    public var maxY: Int { y + height }

    /// `WxH+X+Y`, as ImageMagick writes geometry.
    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// Small pure operations on masks; each returns a new mask.
extension Mask {
    /// 1 where the value is at least `threshold`, else 0 (diffusers binarises model-input masks at 0.5).
    public func binarized(threshold: Float = 0.5) -> Mask {
        Mask(width: width, height: height, values: values.map { $0 >= threshold ? 1 : 0 })
    }

    /// `1 − value`: what was kept is repainted and vice versa.
    public func inverted() -> Mask {
        Mask(width: width, height: height, values: values.map { 1 - $0 })
    }

    /// Feathered with a Gaussian of `sigma` pixels (AUTOMATIC1111's `mask_blur`); 0 returns the mask unchanged.
    public func blurred(sigma: Double) -> Mask {
        var copy = self
        GaussianBlur.apply(&copy.values, width: width, height: height, channels: 1, sigma: sigma)
        return copy
    }

    /// Dilated: every pixel within `radius` pixels (Euclidean) of a repaint pixel (≥ 0.5) becomes 1.
    public func grown(by radius: Int) -> Mask {
        guard radius > 0 else { return self }
        let distance = DistanceTransform.squaredDistances(width: width, height: height) { values[$0] >= 0.5 }
        let limit = Float(radius * radius)
        return Mask(width: width, height: height, values: distance.map { $0 <= limit ? 1 : 0 })
    }

    /// Eroded: only pixels farther than `radius` pixels from every kept pixel (< 0.5) stay 1.
    public func shrunk(by radius: Int) -> Mask {
        guard radius > 0 else { return self }
        return inverted().binarized().grown(by: radius).inverted()
    }

    /// The smallest rectangle holding every pixel at or above `threshold`, or nil when there is none.
    public func boundingBox(threshold: Float = 0.5) -> PixelRect? {
        var (minX, minY, maxX, maxY) = (width, height, -1, -1)
        for y in 0..<height {
            for x in 0..<width where values[y * width + x] >= threshold {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// Whether any pixel is at or above `threshold`.
    public func isEmpty(threshold: Float = 0.5) -> Bool { !values.contains { $0 >= threshold } }
}

extension Image {
    /// Puts `self` (the repainted image) over `original` through `mask`: `original·(1−m) + self·m`.
    /// Where the mask is exactly 0 the original's samples are copied unchanged, so those pixels stay
    /// byte-identical whatever the repainted image holds.
    public func composited(over original: Image, mask: Mask) -> Image {
        require(width == original.width && height == original.height && mask.width == width && mask.height == height,
                     "composite needs equal sizes: \(width)x\(height), \(original.width)x\(original.height), mask \(mask.width)x\(mask.height)")
        let repainted = converted(toChannels: original.channels)
        var output = original
        let channels = original.channels
        for index in 0..<(width * height) {
            let m = mask.values[index]
            guard m > 0 else { continue }
            for c in 0..<channels {
                let i = index * channels + c
                output.pixels[i] = m >= 1 ? repainted.pixels[i] : original.pixels[i] * (1 - m) + repainted.pixels[i] * m
            }
        }
        return output
    }
}

/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher's lower envelope of parabolas).
public enum DistanceTransform {
    /// For each pixel, the squared distance to the nearest pixel where `isSource` holds (0 on sources;
    /// `Float.infinity` when there is no source at all).
    public static func squaredDistances(width: Int, height: Int, isSource: (Int) -> Bool) -> [Float] {
        let infinity = Float.greatestFiniteMagnitude / 4
        var grid = (0..<(width * height)).map { isSource($0) ? 0 : infinity }
        var column = [Float](repeating: 0, count: height)
        for x in 0..<width {
            for y in 0..<height { column[y] = grid[y * width + x] }
            let transformed = transform1D(column)
            for y in 0..<height { grid[y * width + x] = transformed[y] }
        }
        for y in 0..<height {
            let transformed = transform1D(Array(grid[(y * width)..<((y + 1) * width)]))
            grid.replaceSubrange((y * width)..<((y + 1) * width), with: transformed)
        }
        return grid.map { $0 >= infinity ? .infinity : $0 }
    }

    private static func transform1D(_ f: [Float]) -> [Float] {
        let n = f.count
        var result = [Float](repeating: 0, count: n)
        var vertices = [Int](repeating: 0, count: n)
        var boundaries = [Float](repeating: 0, count: n + 1)
        var k = 0
        boundaries[0] = -.greatestFiniteMagnitude
        boundaries[1] = .greatestFiniteMagnitude
        for q in 1..<max(n, 1) {
            var s: Float
            repeat {
                let v = vertices[k]
                s = ((f[q] + Float(q * q)) - (f[v] + Float(v * v))) / Float(2 * q - 2 * v)
                if s <= boundaries[k] { k -= 1 } else { break }
            } while k >= 0
            k += 1
            vertices[k] = q
            boundaries[k] = s
            boundaries[k + 1] = .greatestFiniteMagnitude
        }
        k = 0
        for q in 0..<n {
            while boundaries[k + 1] < Float(q) { k += 1 }
            let v = vertices[k]
            result[q] = Float((q - v) * (q - v)) + f[v]
        }
        return result
    }
}
