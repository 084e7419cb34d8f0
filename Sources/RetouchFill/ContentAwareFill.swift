import Foundation
import RetouchImaging

/// Object removal and canvas fill with no model: an exemplar-based fill (PatchMatch nearest-neighbour fields,
/// coarse-to-fine over an image pyramid, with patch voting) that rebuilds texture and structure from the rest of
/// the photo, and a diffusion (harmonic) fill for thin defects.
///
/// Only a crop around the hole is processed, so a small hole in a large photo stays cheap. Pixels where the mask
/// is 0 are returned byte-identical; mask values between 0 and 1 blend the fill over the original.
public enum ContentAwareFill {
    /// Fills the pixels where `mask` ≥ 0.5 (and blends where it is between 0 and 1).
    public static func fill(_ image: Image, mask: Mask, options: FillOptions = .init()) throws -> Image {
        guard mask.width == image.width, mask.height == image.height else {
            throw FillError("the mask is \(mask.width)x\(mask.height) but the image is \(image.width)x\(image.height)")
        }
        let hole = mask.binarized()
        guard let box = hole.boundingBox() else { return image }
        guard hole.values.contains(0) else { throw FillError("the mask covers the whole image: there is nothing to fill from") }

        let crop = workingRegion(around: box, imageWidth: image.width, imageHeight: image.height)
        var planes = Planes(width: crop.width, height: crop.height, channelCount: image.channels)
        var known = [Bool](repeating: true, count: crop.width * crop.height)
        for y in 0..<crop.height {
            for x in 0..<crop.width {
                let source = (crop.y + y) * image.width + crop.x + x
                known[y * crop.width + x] = hole.values[source] == 0
                for c in 0..<image.channels { planes.channels[c][y * crop.width + x] = image.pixels[source * image.channels + c] }
            }
        }
        let method = options.method == .auto ? (isThin(known: known, width: crop.width, height: crop.height, limit: options.thinHoleWidth) ? .diffusion : .patchMatch) : options.method
        let filled: Planes
        switch method {
        case .diffusion, .auto:
            filled = HarmonicFill.fill(planes, known: known)
        case .patchMatch:
            filled = PatchMatchFill.fill(planes, known: known, options: options)
        }

        var output = image
        for y in 0..<crop.height {
            for x in 0..<crop.width {
                let index = (crop.y + y) * image.width + crop.x + x
                let m = mask.values[index]
                guard m > 0 else { continue }
                for c in 0..<image.channels {
                    let value = min(max(filled.channels[c][y * crop.width + x], 0), 1)
                    output.pixels[index * image.channels + c] = m >= 1 ? value : image.pixels[index * image.channels + c] * (1 - m) + value * m
                }
            }
        }
        return output
    }

    /// The hole's bounding box grown by twice its larger side (at least 48 px) on each side, within the image.
    static func workingRegion(around box: PixelRect, imageWidth: Int, imageHeight: Int) -> PixelRect {
        let margin = max(48, 2 * max(box.width, box.height))
        let x0 = max(0, box.x - margin), y0 = max(0, box.y - margin)
        let x1 = min(imageWidth, box.maxX + margin), y1 = min(imageHeight, box.maxY + margin)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Whether every hole pixel lies within `limit / 2` pixels of a known pixel.
    static func isThin(known: [Bool], width: Int, height: Int, limit: Int) -> Bool {
        let distances = DistanceTransform.squaredDistances(width: width, height: height) { known[$0] }
        let largest = distances.max() ?? 0
        let half = Float(limit) / 2
        return largest <= half * half
    }
}

/// The exemplar fill's pyramid: harmonic start at the coarsest level, then at each level a few rounds of
/// PatchMatch and patch voting, the field and the estimate carried to the next finer level.
enum PatchMatchFill {
    static func fill(_ planes: Planes, known: [Bool], options: FillOptions) -> Planes {
        let radius = options.patchSize / 2
        let finestRounds = 2
        // Levels: halve until the hole's extent is small or the image too small to hold patches.
        var levels: [(Planes, [Bool])] = [(planes, known)]
        while true {
            let (current, currentKnown) = levels[levels.count - 1]
            let extent = holeExtent(currentKnown, width: current.width)
            if extent <= 4 * radius + 2 || min(current.width, current.height) < 12 * radius + 6 { break }
            let next = current.downsampled(known: currentKnown)
            if !next.1.contains(true) { break }
            levels.append(next)
        }

        var previous: PatchMatchLevel?
        for (depth, (levelPlanes, levelKnown)) in levels.enumerated().reversed() {
            var start = levelPlanes
            if let previous {
                // Unknown pixels start from the coarser result.
                for y in 0..<start.height {
                    for x in 0..<start.width where !levelKnown[y * start.width + x] {
                        let coarse = (min(y / 2, previous.height - 1) * previous.width + min(x / 2, previous.width - 1)) * previous.channelCount
                        for c in start.channels.indices { start.channels[c][y * start.width + x] = previous.pixels[coarse + c] }
                    }
                }
            } else {
                start = HarmonicFill.fill(levelPlanes, known: levelKnown)
            }
            var level = PatchMatchLevel(planes: start, known: levelKnown, radius: radius)
            guard !level.validSources.isEmpty, !level.targets.isEmpty else {
                // No whole known patch at this size: keep the smooth estimate.
                previous = level
                continue
            }
            let seed = options.seed &+ UInt64(depth) &* 1_000_003
            if let previous, previous.width * 2 >= level.width - 1, !previous.validSources.isEmpty, !previous.targets.isEmpty {
                level.upsample(from: previous, seed: seed)
                level.vote()
            } else {
                level.randomize(seed: seed)
            }
            let isCoarsest = previous == nil
            let rounds = depth == 0 ? finestRounds : (isCoarsest ? 6 : 4)
            let searchRadius = isCoarsest ? max(level.width, level.height) : 4 * radius + 2
            for round in 0..<rounds {
                level.improve(seed: seed, pass: 2 * round, searchRadius: searchRadius)
                if depth > 0 || round == 0 { level.improve(seed: seed, pass: 2 * round + 1, searchRadius: searchRadius) }
                level.vote()
            }
            previous = level
        }
        guard let finest = previous else { return planes }
        var result = planes
        for i in 0..<planes.count where !known[i] {
            for c in result.channels.indices { result.channels[c][i] = finest.pixels[i * finest.channelCount + c] }
        }
        return correctedAtBorder(result, known: known, level: finest)
    }

    /// Gradient-domain correction: the known pixels bordering the hole are compared with what the matched patches
    /// predict for them, and that residual is diffused into the hole (a harmonic membrane added to the fill). The
    /// fill keeps its texture while its colour level meets the surroundings without a seam.
    static func correctedAtBorder(_ filled: Planes, known: [Bool], level: PatchMatchLevel) -> Planes {
        guard !level.targets.isEmpty else { return filled }
        let (w, h) = (filled.width, filled.height)
        var residual = Planes(width: w, height: h, channelCount: filled.channels.count)
        for y in 0..<h {
            for x in 0..<w where known[y * w + x] {
                let bordersHole = (x > 0 && !known[y * w + x - 1]) || (x + 1 < w && !known[y * w + x + 1])
                    || (y > 0 && !known[(y - 1) * w + x]) || (y + 1 < h && !known[(y + 1) * w + x])
                guard bordersHole, let predicted = level.prediction(at: y * w + x) else { continue }
                for c in residual.channels.indices {
                    residual.channels[c][y * w + x] = filled.channels[c][y * w + x] - predicted[c]
                }
            }
        }
        let membrane = HarmonicFill.fill(residual, known: known)
        var corrected = filled
        for i in 0..<filled.count where !known[i] {
            for c in corrected.channels.indices { corrected.channels[c][i] += membrane.channels[c][i] }
        }
        return corrected
    }

    /// The larger side of the unknown region's bounding box.
    static func holeExtent(_ known: [Bool], width: Int) -> Int {
        var (minX, minY, maxX, maxY) = (Int.max, Int.max, -1, -1)
        for (index, isKnown) in known.enumerated() where !isKnown {
            let (x, y) = (index % width, index / width)
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        }
        return maxX < 0 ? 0 : max(maxX - minX + 1, maxY - minY + 1)
    }
}
