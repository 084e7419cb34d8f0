import RetouchImaging

/// Where windows of a fixed size go, for everything in Retouch that works in tiles: the VAE's tiled encode and
/// decode (`covering`) and outpainting (`outpainting`). Planning is pure geometry; blending uses `TileRamp`.
public struct TilePlan: Sendable, Equatable {
    /// The windows, in the order they must run (for outpainting, each sees finished neighbours).
    public var windows: [PixelRect]

    /// Creates a plan from windows.
    public init(windows: [PixelRect]) { self.windows = windows }

    /// A grid of `window`-sized rectangles covering `width`×`height`, neighbours overlapping by at least `overlap`
    /// pixels, spread evenly; positions are multiples of `alignment`. A side shorter than the window gets one
    /// window as long as the side.
    public static func covering(width: Int, height: Int, window: (width: Int, height: Int), overlap: Int,
                                alignment: Int = 1) -> TilePlan {
        let xs = TileAxis.grid(length: width, window: window.width, overlap: overlap, alignment: alignment)
        let ys = TileAxis.grid(length: height, window: window.height, overlap: overlap, alignment: alignment)
        var windows = [PixelRect]()
        for y in ys {
            for x in xs {
                windows.append(PixelRect(x: x, y: y, width: min(window.width, width), height: min(window.height, height)))
            }
        }
        return TilePlan(windows: windows)
    }

    /// Windows for growing a canvas around `original`: together they cover every pixel outside `original`; the
    /// first window on each side reaches a quarter window into the original, later ones overlap the finished window
    /// before them by at least `max(overlap, window / 4)` (overlap capped at half a window); windows run in rings outward from the original (edges
    /// before corners), so each window sees finished neighbours. Windows holding no new pixel are left out.
    public static func outpainting(canvasWidth: Int, canvasHeight: Int, original: PixelRect,
                                   window: (width: Int, height: Int), overlap: Int) -> TilePlan {
        let xs = TileAxis.outward(length: canvasWidth, known: original.x..<original.maxX, window: window.width, overlap: overlap)
        let ys = TileAxis.outward(length: canvasHeight, known: original.y..<original.maxY, window: window.height, overlap: overlap)
        let width = min(window.width, canvasWidth), height = min(window.height, canvasHeight)
        var ranked = [(rect: PixelRect, ring: Int, sum: Int)]()
        for y in ys {
            for x in xs {
                let rect = PixelRect(x: x.start, y: y.start, width: width, height: height)
                let insideOriginal = rect.x >= original.x && rect.maxX <= original.maxX && rect.y >= original.y && rect.maxY <= original.maxY
                if insideOriginal { continue }
                ranked.append((rect, max(x.rank, y.rank), x.rank + y.rank))
            }
        }
        // Stable sort: ring, then edges before corners, then reading order.
        ranked.sort { ($0.ring, $0.sum, $0.rect.y, $0.rect.x) < ($1.ring, $1.sum, $1.rect.y, $1.rect.x) }
        return TilePlan(windows: ranked.map(\.rect))
    }
}

/// Window positions along one axis.
enum TileAxis {
    /// Starts of windows covering `0..<length` with neighbours overlapping by at least `overlap`, evenly spread and
    /// rounded to `alignment`.
    static func grid(length: Int, window: Int, overlap: Int, alignment: Int = 1) -> [Int] {
        guard length > window else { return [0] }
        let step = max(1, window - min(overlap, window / 2))   // overlap is capped at half a window
        let count = (length - window + step - 1) / step + 1
        let span = length - window
        var starts = [Int]()
        for i in 0..<count {
            var start = Int((Double(i) * Double(span) / Double(count - 1)).rounded())
            start -= start % alignment
            if i == count - 1 { start = span }
            if starts.last != start { starts.append(start) }
        }
        return starts
    }

    /// Windows along one axis of an outpainting canvas: the known span covered by a centred grid (rank 0), then
    /// windows stepping outward on each side (ranks 1, 2, …), the first reaching a quarter window into the known span.
    static func outward(length: Int, known: Range<Int>, window: Int, overlap: Int) -> [(start: Int, rank: Int)] {
        let window = min(window, length)
        let step = max(1, window - min(max(overlap, window / 4), window / 2))   // overlap is capped at half a window
        var result = [(start: Int, rank: Int)]()
        if known.count >= window {
            result += grid(length: known.count, window: window, overlap: overlap).map { (known.lowerBound + $0, 0) }
        } else {
            let centred = known.lowerBound - (window - known.count) / 2
            result.append((min(max(centred, 0), length - window), 0))
        }
        if known.lowerBound > 0 {
            var start = known.lowerBound + window / 4 - window, rank = 1
            while true {
                let clamped = max(start, 0)
                if clamped < result[0].start { result.append((clamped, rank)) }
                if clamped == 0 { break }
                start -= step
                rank += 1
            }
        }
        if known.upperBound < length {
            let last = length - window
            var start = known.upperBound - window / 4, rank = 1
            while true {
                let clamped = min(start, last)
                if clamped > result.filter({ $0.rank == 0 }).map(\.start).max()! { result.append((clamped, rank)) }
                if clamped == last { break }
                start += step
                rank += 1
            }
        }
        return result
    }
}

/// Blend weights for overlapping windows: a smooth ramp from the window's edge to full weight over `width`
/// pixels, on each side that another window overlaps (not on the canvas border).
public enum TileRamp {
    /// The weight `distance` pixels in from an edge that ramps over `width` pixels (smoothstep, never 0).
    public static func weight(distance: Int, width: Int) -> Float {
        guard width > 0, distance < width else { return 1 }
        let t = (Float(distance) + 0.5) / Float(width)
        return t * t * (3 - 2 * t)
    }

    /// Row-major weights for `window` inside a `width`×`height` canvas: ramps of `ramp` pixels on sides that do not
    /// lie on the canvas border.
    public static func weights(for window: PixelRect, canvasWidth: Int, canvasHeight: Int, ramp: Int) -> [Float] {
        func axis(_ count: Int, rampsBefore: Bool, rampsAfter: Bool) -> [Float] {
            (0..<count).map { i in
                (rampsBefore ? weight(distance: i, width: ramp) : 1) * (rampsAfter ? weight(distance: count - 1 - i, width: ramp) : 1)
            }
        }
        let xs = axis(window.width, rampsBefore: window.x > 0, rampsAfter: window.maxX < canvasWidth)
        let ys = axis(window.height, rampsBefore: window.y > 0, rampsAfter: window.maxY < canvasHeight)
        var weights = [Float](repeating: 0, count: window.width * window.height)
        for y in 0..<window.height { for x in 0..<window.width { weights[y * window.width + x] = xs[x] * ys[y] } }
        return weights
    }
}
