import Testing
import Retouch
import RetouchImaging

/// The one tiler: grids that cover an image for the VAE, and outpainting plans that cover every new pixel, reach a
/// quarter window into what is known, and run each window after the neighbours it leans on.
struct TilePlanTests {
    static func coverage(_ plan: TilePlan, width: Int, height: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: width * height)
        for w in plan.windows { for y in w.y..<w.maxY { for x in w.x..<w.maxX { counts[y * width + x] += 1 } } }
        return counts
    }

    @Test("a covering grid covers every pixel, stays inside, and neighbours overlap by at least the overlap",
          arguments: [(1000, 600, 256, 64, 1), (512, 512, 512, 128, 1), (200, 90, 64, 16, 8), (130, 64, 64, 16, 8)])
    func coveringGrid(width: Int, height: Int, window: Int, overlap: Int, alignment: Int) {
        let plan = TilePlan.covering(width: width, height: height, window: (window, window), overlap: overlap, alignment: alignment)
        #expect(!Self.coverage(plan, width: width, height: height).contains(0))
        for w in plan.windows {
            #expect(w.x >= 0 && w.y >= 0 && w.maxX <= width && w.maxY <= height)
            #expect(w.x % alignment == 0 || w.maxX == width)
        }
        let xs = Set(plan.windows.map(\.x)).sorted()
        for (a, b) in zip(xs, xs.dropFirst()) { #expect(a + min(window, width) - b >= overlap) }
    }

    static let outpaintCases: [(canvas: (Int, Int), original: PixelRect, window: Int, overlap: Int)] = [
        ((2048, 512), PixelRect(x: 0, y: 0, width: 512, height: 512), 512, 128),            // panorama to the right
        ((1024, 1024), PixelRect(x: 256, y: 256, width: 512, height: 512), 512, 128),       // every side
        ((1536, 768), PixelRect(x: 512, y: 128, width: 512, height: 512), 512, 64),         // wide and tall
        ((384, 160), PixelRect(x: 64, y: 48, width: 64, height: 64), 64, 16),                // small model windows
        ((800, 300), PixelRect(x: 600, y: 0, width: 200, height: 300), 512, 128),           // window taller than canvas
    ]

    @Test("an outpainting plan covers every new pixel, and every window overlaps finished pixels by at least a quarter of its area",
          arguments: 0..<5)
    func outpaintingPlan(index: Int) {
        let c = Self.outpaintCases[index]
        let (width, height) = c.canvas
        let plan = TilePlan.outpainting(canvasWidth: width, canvasHeight: height, original: c.original,
                                        window: (c.window, c.window), overlap: c.overlap)
        var known = [Bool](repeating: false, count: width * height)
        for y in c.original.y..<c.original.maxY { for x in c.original.x..<c.original.maxX { known[y * width + x] = true } }
        for w in plan.windows {
            #expect(w.x >= 0 && w.y >= 0 && w.maxX <= width && w.maxY <= height, "window \(w) leaves the canvas")
            var finished = 0
            for y in w.y..<w.maxY { for x in w.x..<w.maxX where known[y * width + x] { finished += 1 } }
            #expect(finished * 4 >= w.width * w.height, "window \(w) sees only \(finished) finished pixels")
            #expect(finished < w.width * w.height, "window \(w) holds no new pixel")
            for y in w.y..<w.maxY { for x in w.x..<w.maxX { known[y * width + x] = true } }
        }
        #expect(!known.contains(false), "some new pixels are never painted")
    }

    @Test("windows stepping outward overlap the previous one by max(overlap, window/4)")
    func outwardSteps() {
        let plan = TilePlan.outpainting(canvasWidth: 2048, canvasHeight: 512, original: PixelRect(x: 0, y: 0, width: 512, height: 512),
                                        window: (512, 512), overlap: 192)
        #expect(plan.windows.map(\.x) == [384, 704, 1024, 1344, 1536])
        #expect(plan.windows.first?.x == 512 - 128)   // a quarter window into the original
    }

    @Test("ramp weights are 1 inside, rise smoothly from the edge, and are flat on the canvas border")
    func rampWeights() {
        let weights = TileRamp.weights(for: PixelRect(x: 0, y: 10, width: 8, height: 8), canvasWidth: 20, canvasHeight: 18, ramp: 4)
        #expect(weights[0] < weights[2 * 8] && weights[2 * 8] < weights[4 * 8])   // the top edge is inside the canvas: it ramps
        #expect(weights[4 * 8 + 0] == 1)                          // left edge is the canvas border: no ramp
        #expect(weights[4 * 8 + 7] < weights[4 * 8 + 6] && weights[4 * 8 + 6] < weights[4 * 8 + 5] && weights[4 * 8 + 3] == 1)
        #expect(weights[7 * 8 + 3] == 1)                          // bottom edge is the canvas border
        #expect(weights.allSatisfy { $0 > 0 && $0 <= 1 })
    }

    @Test("an overlap as large as the window is capped at half a window, so the plan stays small")
    func overlapCapped() {
        let plan = TilePlan.outpainting(canvasWidth: 600, canvasHeight: 500, original: PixelRect(x: 0, y: 100, width: 600, height: 400),
                                        window: (128, 128), overlap: 128)
        #expect(plan.windows.count <= 10 * 2, "\(plan.windows.count) windows")
        let grid = TilePlan.covering(width: 600, height: 128, window: (128, 128), overlap: 500)
        #expect(grid.windows.count == 9)
    }
}
