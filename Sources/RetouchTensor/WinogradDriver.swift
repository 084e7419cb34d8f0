import CKernels
import RetouchChecks

/// One Winograd variant's transforms, as `CKernels` declares them for both F(4×4, 3×3) and F(2×2, 3×3).
struct WinogradTransforms {
    /// Output pixels per tile side (4 or 2).
    let tileSide: Int
    /// Positions ξ of the transformed tile (36 or 16): the number of GEMMs per band.
    let positions: Int
    /// V = Bᵀ d B for a rectangle of tiles of `channels` planes (`rt_winograd_input`'s arguments).
    let input: @convention(c) (UnsafePointer<Float>?, Int, Int, Int, Int, Int, Int, Int,
                               UnsafeMutablePointer<Float>?, Int, Int) -> Void
    /// Y = Aᵀ M A for the same rectangle (`rt_winograd_output`'s arguments).
    let output: @convention(c) (UnsafePointer<Float>?, Int, Int, Int, Int, Int, Int, Int, Int, Int,
                                UnsafePointer<Float>?, Int32, UnsafeMutablePointer<Float>?) -> Void

    static let f4x4 = WinogradTransforms(tileSide: 4, positions: 36, input: rt_winograd_input, output: rt_winograd_output)
    static let f2x2 = WinogradTransforms(tileSide: 2, positions: 16, input: rt_winograd2_input, output: rt_winograd2_output)
}

/// Tiles transformed and multiplied together: `images` consecutive images from `firstImage`, and in each the
/// rectangle of `rows × columns` tiles at (`tileY`, `tileX`).
struct WinogradBand: Equatable {
    let firstImage: Int, images: Int
    let tileY: Int, rows: Int, tileX: Int, columns: Int
    /// All tiles of the band (the width of its V and M matrices).
    var tiles: Int { images * rows * columns }

    /// Bands covering `batch` images of `tilesY × tilesX` tiles, none over `maxTiles` unless one tile does:
    /// whole images when an image fits (small images then share their GEMMs, which run better wide), else
    /// whole tile rows of one image when a row fits, else runs of tile columns of one row, spread evenly.
    static func plan(batch: Int, tilesY: Int, tilesX: Int, maxTiles: Int) -> [WinogradBand] {
        let maxTiles = Swift.max(1, maxTiles)
        if tilesY * tilesX <= maxTiles {
            let imagesPerBand = Swift.min(batch, maxTiles / (tilesY * tilesX))
            return stride(from: 0, to: batch, by: imagesPerBand).map { first in
                WinogradBand(firstImage: first, images: Swift.min(imagesPerBand, batch - first),
                             tileY: 0, rows: tilesY, tileX: 0, columns: tilesX)
            }
        }
        let rowBands = tilesX <= maxTiles ? (tilesY + maxTiles / tilesX - 1) / (maxTiles / tilesX) : tilesY
        let columnBands = (tilesX + maxTiles - 1) / maxTiles
        return (0..<batch).flatMap { image in
            (0..<(rowBands * columnBands)).map { band in
                let (rowBand, columnBand) = band.quotientAndRemainder(dividingBy: columnBands)
                let tileY = tilesY * rowBand / rowBands, tileX = tilesX * columnBand / columnBands
                return WinogradBand(firstImage: image, images: 1,
                                    tileY: tileY, rows: tilesY * (rowBand + 1) / rowBands - tileY,
                                    tileX: tileX, columns: tilesX * (columnBand + 1) / columnBands - tileX)
            }
        }
    }
}

extension Tensor {
    /// The Winograd convolution both variants share: for each band of tiles, all workers together run the input
    /// transform (split by input channels), the per-ξ GEMMs (split by ξ) and the output transform (split by
    /// output channels). `multiply(xi, v, m, tiles)` computes M[ξ] (`outChannels × tiles`, at `m`) from
    /// V[ξ] (`inChannels × tiles`, at `v`) on the calling thread. Scratch: one band's V and M, sized by
    /// `budgetBytes` per worker.
    func winogradConvolution(outChannels: Int, bias: Tensor?, transforms: WinogradTransforms, budgetBytes: Int,
                             multiply: (_ xi: Int, _ v: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                                        _ tiles: Int) -> Void) -> Tensor {
        require(rank == 4, "conv2d wants NCHW input, got \(shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        if let bias { require(bias.count == outChannels, "conv2d bias \(bias.shape) for \(outChannels) channels") }
        let side = transforms.tileSide, positions = transforms.positions
        let bytesPerTile = positions * (inChannels + outChannels) * MemoryLayout<Float>.size
        let bands = WinogradBand.plan(batch: batch, tilesY: (height + side - 1) / side, tilesX: (width + side - 1) / side,
                                      maxTiles: Parallel.workerCount * budgetBytes / bytesPerTile)
        let bandTiles = bands.map(\.tiles).max() ?? 0
        let v = UnsafeMutablePointer<Float>.allocate(capacity: positions * inChannels * bandTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: positions * outChannels * bandTiles)
        defer { v.deallocate(); m.deallocate() }

        return Tensor(shape: [batch, outChannels, height, width]) { out in
            withUnsafeBufferPointer { input in
                let input = input.baseAddress!, out = out.baseAddress!
                withOptionalPointer(bias) { bias in
                    for band in bands {
                        let tiles = band.tiles, imageTiles = band.rows * band.columns
                        Parallel.forRanges(inChannels, costPerItem: 2 * positions * tiles) { channels in
                            for i in 0..<band.images {
                                let image = input + ((band.firstImage + i) * inChannels + channels.lowerBound) * height * width
                                transforms.input(image, channels.count, height, width, band.tileY, band.rows,
                                                 band.tileX, band.columns, v + channels.lowerBound * tiles + i * imageTiles,
                                                 tiles, inChannels * tiles)
                            }
                        }
                        Parallel.forRanges(positions, costPerItem: 2 * outChannels * inChannels * tiles) { xis in
                            for xi in xis { multiply(xi, v + xi * inChannels * tiles, m + xi * outChannels * tiles, tiles) }
                        }
                        Parallel.forRanges(outChannels, costPerItem: positions * tiles) { channels in
                            for i in 0..<band.images {
                                let result = out + ((band.firstImage + i) * outChannels + channels.lowerBound) * height * width
                                transforms.output(m + channels.lowerBound * tiles + i * imageTiles, channels.count,
                                                  tiles, outChannels * tiles, height, width, band.tileY, band.rows,
                                                  band.tileX, band.columns, bias.map { $0 + channels.lowerBound }, 0, result)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Calls `body` with the tensor's storage, or with nil when there is no tensor.
func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}
