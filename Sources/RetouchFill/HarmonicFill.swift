import Foundation

/// Fills unknown pixels with the smooth membrane that matches the known border (Laplace's equation), solved
/// coarse-to-fine: the coarse solution initialises the fine one, so wide holes converge in a few sweeps.
/// This is the diffusion fill for thin defects, and the starting point of the exemplar fill.
enum HarmonicFill {
    static func fill(_ image: Planes, known: [Bool]) -> Planes {
        guard known.contains(false) else { return image }
        var start = image
        if min(image.width, image.height) > 8, known.contains(true) {
            let (coarse, coarseKnown) = image.downsampled(known: known)
            let solved = fill(coarse, known: coarseKnown)
            for y in 0..<image.height {
                for x in 0..<image.width where !known[y * image.width + x] {
                    let source = min(y / 2, solved.height - 1) * solved.width + min(x / 2, solved.width - 1)
                    for c in image.channels.indices { start.channels[c][y * image.width + x] = solved.channels[c][source] }
                }
            }
        } else if !known.contains(true) {
            return image
        } else {
            // Tiny image: start from the mean of the known pixels.
            for c in image.channels.indices {
                let values = zip(image.channels[c], known).filter(\.1).map(\.0)
                let mean = values.reduce(0, +) / Float(values.count)
                for i in 0..<image.count where !known[i] { start.channels[c][i] = mean }
            }
        }
        return relax(start, known: known, sweeps: 40)
    }

    /// Jacobi sweeps of the 4-neighbour average over unknown pixels, parallel over rows.
    static func relax(_ image: Planes, known: [Bool], sweeps: Int) -> Planes {
        let (w, h) = (image.width, image.height)
        let unknownRows = (0..<h).filter { y in (0..<w).contains { !known[y * w + $0] } }
        var current = image
        for _ in 0..<sweeps {
            let previous = current
            for c in current.channels.indices {
                let source = previous.channels[c]
                current.channels[c].withUnsafeMutableBufferPointer { target in
                    let target = target
                    DispatchQueue.concurrentPerform(iterations: unknownRows.count) { r in
                        let y = unknownRows[r]
                        for x in 0..<w where !known[y * w + x] {
                            var sum: Float = 0, n: Float = 0
                            if x > 0 { sum += source[y * w + x - 1]; n += 1 }
                            if x + 1 < w { sum += source[y * w + x + 1]; n += 1 }
                            if y > 0 { sum += source[(y - 1) * w + x]; n += 1 }
                            if y + 1 < h { sum += source[(y + 1) * w + x]; n += 1 }
                            target[y * w + x] = sum / n
                        }
                    }
                }
            }
        }
        return current
    }
}
