import Foundation

/// One pyramid level of the exemplar fill: an interleaved image, which pixels are known, and the
/// nearest-neighbour field (NNF) from every target patch (a patch touching the hole) to a fully known source patch.
struct PatchMatchLevel {
    let width: Int, height: Int, channelCount: Int
    /// Interleaved samples; unknown pixels hold the current estimate.
    var pixels: [Float]
    let known: [Bool]
    let radius: Int
    /// Centres of patches lying wholly inside the image on known pixels.
    let validSources: [Int32]
    let isValidSource: [Bool]
    /// Centres of patches that overlap unknown pixels.
    let targets: [Int32]
    let targetIndex: [Int32]          // pixel → position in `targets`, or −1
    var field: [Int32]                // per target: source centre
    var distances: [Float]            // per target: mean squared difference to its source

    init(planes: Planes, known: [Bool], radius: Int) {
        width = planes.width
        height = planes.height
        channelCount = planes.channels.count
        self.known = known
        self.radius = radius
        var pixels = [Float](repeating: 0, count: planes.count * channelCount)
        for i in 0..<planes.count {
            for c in 0..<channelCount { pixels[i * channelCount + c] = planes.channels[c][i] }
        }
        self.pixels = pixels
        // Window sums of unknown pixels through an integral image.
        let w = width, h = height
        var integral = [Int32](repeating: 0, count: (w + 1) * (h + 1))
        for y in 0..<h {
            var row: Int32 = 0
            for x in 0..<w {
                row += known[y * w + x] ? 0 : 1
                integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row
            }
        }
        func unknownCount(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Int32 {   // inclusive, clamped
            let (a, b, c, d) = (max(x0, 0), max(y0, 0), min(x1, w - 1) + 1, min(y1, h - 1) + 1)
            return integral[d * (w + 1) + c] - integral[b * (w + 1) + c] - integral[d * (w + 1) + a] + integral[b * (w + 1) + a]
        }
        var isValid = [Bool](repeating: false, count: w * h)
        var sources: [Int32] = []
        var targets: [Int32] = []
        var targetIndex = [Int32](repeating: -1, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let inside = x >= radius && y >= radius && x + radius < w && y + radius < h
                let holes = unknownCount(x - radius, y - radius, x + radius, y + radius)
                if inside && holes == 0 {
                    isValid[y * w + x] = true
                    sources.append(Int32(y * w + x))
                }
                if holes > 0 {
                    targetIndex[y * w + x] = Int32(targets.count)
                    targets.append(Int32(y * w + x))
                }
            }
        }
        validSources = sources
        isValidSource = isValid
        self.targets = targets
        self.targetIndex = targetIndex
        field = [Int32](repeating: 0, count: targets.count)
        distances = [Float](repeating: .infinity, count: targets.count)
    }

    /// Mean squared difference between the patch at `target` (clipped to the image) and the patch at `source`.
    func distance(_ target: Int, _ source: Int, cutoff: Float = .infinity) -> Float {
        let (tx, ty) = (target % width, target / width)
        let (sx, sy) = (source % width, source / width)
        let x0 = max(-radius, -tx), x1 = min(radius, width - 1 - tx)
        let y0 = max(-radius, -ty), y1 = min(radius, height - 1 - ty)
        let samples = (x1 - x0 + 1) * channelCount
        var sum: Float = 0
        let limit = cutoff * Float((y1 - y0 + 1) * samples)
        return pixels.withUnsafeBufferPointer { p in
            for dy in y0...y1 {
                let t = ((ty + dy) * width + tx + x0) * channelCount
                let s = ((sy + dy) * width + sx + x0) * channelCount
                for i in 0..<samples {
                    let d = p[t + i] - p[s + i]
                    sum += d * d
                }
                if sum > limit { return .infinity }
            }
            return sum / Float((y1 - y0 + 1) * samples)
        }
    }

    /// Random sources for every target (the coarsest level's start).
    mutating func randomize(seed: UInt64) {
        for t in targets.indices {
            let pick = PixelRandom.value(seed, Int(targets[t]), 0, 17) % UInt64(validSources.count)
            field[t] = validSources[Int(pick)]
        }
    }

    /// The NNF carried up from the coarser level: the coarse match, scaled, with the same sub-pixel offset.
    mutating func upsample(from coarse: PatchMatchLevel, seed: UInt64) {
        for (t, target) in targets.enumerated() {
            let (x, y) = (Int(target) % width, Int(target) / width)
            let coarsePixel = min(y / 2, coarse.height - 1) * coarse.width + min(x / 2, coarse.width - 1)
            var candidate = -1
            let coarseTarget = coarse.targetIndex[coarsePixel]
            if coarseTarget >= 0 {
                let source = Int(coarse.field[Int(coarseTarget)])
                let sx = 2 * (source % coarse.width) + x % 2, sy = 2 * (source / coarse.width) + y % 2
                if sx < width, sy < height, isValidSource[sy * width + sx] { candidate = sy * width + sx }
            }
            if candidate < 0 {
                candidate = Int(validSources[Int(PixelRandom.value(seed, Int(target), 1, 29) % UInt64(validSources.count))])
            }
            field[t] = Int32(candidate)
        }
    }

    /// One PatchMatch pass: each target tries its neighbours' matches (shifted) at jump steps 4, 2, 1 and a
    /// random search around its best match. Reads a snapshot of the field, so rows run in parallel and the
    /// result does not depend on scheduling.
    mutating func improve(seed: UInt64, pass: Int, searchRadius: Int) {
        let previous = field
        var next = field
        var nextDistances = distances
        let level = self
        next.withUnsafeMutableBufferPointer { nextField in
            nextDistances.withUnsafeMutableBufferPointer { nextDistance in
                let (nextField, nextDistance) = (nextField, nextDistance)
                let chunks = 64
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = level.targets.count * chunk / chunks, end = level.targets.count * (chunk + 1) / chunks
                    for t in start..<end {
                        let target = Int(level.targets[t])
                        var best = Int(previous[t])
                        var bestDistance = level.distance(target, best)
                        func consider(_ candidate: Int) {
                            guard candidate != best, candidate >= 0, candidate < level.width * level.height,
                                  level.isValidSource[candidate] else { return }
                            let d = level.distance(target, candidate, cutoff: bestDistance)
                            if d < bestDistance { best = candidate; bestDistance = d }
                        }
                        let (x, y) = (target % level.width, target / level.width)
                        for step in [4, 2, 1] {
                            for (dx, dy) in [(-step, 0), (step, 0), (0, -step), (0, step)] {
                                let (nx, ny) = (x + dx, y + dy)
                                guard nx >= 0, ny >= 0, nx < level.width, ny < level.height else { continue }
                                let neighbour = level.targetIndex[ny * level.width + nx]
                                guard neighbour >= 0 else { continue }
                                let source = Int(previous[Int(neighbour)])
                                let (sx, sy) = (source % level.width - dx, source / level.width - dy)
                                guard sx >= 0, sy >= 0, sx < level.width, sy < level.height else { continue }
                                consider(sy * level.width + sx)
                            }
                        }
                        var radius = searchRadius
                        var attempt = 0
                        while radius >= 1 {
                            let random = PixelRandom.value(seed, target, pass, attempt)
                            let rx = Int(random % UInt64(2 * radius + 1)) - radius
                            let ry = Int((random >> 32) % UInt64(2 * radius + 1)) - radius
                            let (bx, by) = (best % level.width + rx, best / level.width + ry)
                            if bx >= 0, by >= 0, bx < level.width, by < level.height { consider(by * level.width + bx) }
                            radius /= 2
                            attempt += 1
                        }
                        nextField[t] = Int32(best)
                        nextDistance[t] = bestDistance
                    }
                }
            }
        }
        field = next
        distances = nextDistances
    }

    /// What the matched patches predict for pixel `index` (known or not), or nil when no target patch covers it.
    func prediction(at index: Int) -> [Float]? {
        let (x, y) = (index % width, index / width)
        var sums = [Float](repeating: 0, count: channelCount)
        var total: Float = 0
        for dy in -radius...radius {
            let py = y - dy
            guard py >= 0, py < height else { continue }
            for dx in -radius...radius {
                let px = x - dx
                guard px >= 0, px < width else { continue }
                let t = targetIndex[py * width + px]
                guard t >= 0 else { continue }
                let source = Int(field[Int(t)])
                let sourcePixel = (source / width + dy) * width + source % width + dx
                total += 1
                for c in sums.indices { sums[c] += pixels[sourcePixel * channelCount + c] }
            }
        }
        return total > 0 ? sums.map { $0 / total } : nil
    }

    /// How broadly votes are averaged (multiplies σ²): larger favours low error over crisp texture. 4 was the
    /// best trade on the quality test's holes (hole error and texture both better than the diffusion baseline).
    static let weightSpread: Float = 4

    /// Patch voting: each unknown pixel becomes the weighted mean of the source pixels that the patches covering it
    /// propose; closer matches weigh more (`exp(−d / 2sσ²)`, σ² the median match distance, s = `weightSpread`).
    mutating func vote() {
        let sorted = distances.filter(\.isFinite).sorted()
        let sigma2 = max(sorted.isEmpty ? 1e-4 : sorted[sorted.count / 2], 1e-6)
        let weights = distances.map { $0.isFinite ? exp(-$0 / (2 * sigma2 * Self.weightSpread)) + 1e-8 : 0 }
        var updated = pixels
        let level = self
        let unknownRows = (0..<height).filter { y in (0..<level.width).contains { !level.known[y * level.width + $0] } }
        updated.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: unknownRows.count) { r in
                let y = unknownRows[r]
                var sums = [Float](repeating: 0, count: level.channelCount)
                for x in 0..<level.width where !level.known[y * level.width + x] {
                    for c in sums.indices { sums[c] = 0 }
                    var total: Float = 0
                    for dy in -level.radius...level.radius {
                        let py = y - dy
                        guard py >= 0, py < level.height else { continue }
                        for dx in -level.radius...level.radius {
                            let px = x - dx
                            guard px >= 0, px < level.width else { continue }
                            let t = level.targetIndex[py * level.width + px]
                            guard t >= 0 else { continue }
                            let source = Int(level.field[Int(t)])
                            let sourcePixel = (source / level.width + dy) * level.width + source % level.width + dx
                            let weight = weights[Int(t)]
                            total += weight
                            for c in sums.indices { sums[c] += weight * level.pixels[sourcePixel * level.channelCount + c] }
                        }
                    }
                    if total > 0 {
                        for c in sums.indices { out[(y * level.width + x) * level.channelCount + c] = sums[c] / total }
                    }
                }
            }
        }
        pixels = updated
    }
}
