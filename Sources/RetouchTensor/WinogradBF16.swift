import CKernels

/// A 3×3 convolution weight in Winograd F(2×2, 3×3) form for bf16 products: the 16 matrices
/// U[ξ] = (G g Gᵀ)[ξ] of shape `[Cout × Cin]`, computed in fp32 from the fp32 weight and each rounded to bf16 and
/// packed once (16/9 of the direct bf16 weight's bytes).
///
/// F(2×2, 3×3) and not F(4×4, 3×3): its transforms only add, subtract and halve, so rounding both GEMM operands
/// to bf16 costs about 1.6× a direct bf16 convolution's error (measured on a 64-channel layer: 0.38 % mean
/// against 0.24 %), where F(4×4, 3×3)'s larger coefficients cost about 8× (1.9 %, with outliers of 30 %).
public struct WinogradBF16Weight: Sendable {
    /// Output channels.
    public let outChannels: Int
    /// Input channels.
    public let inChannels: Int
    /// U[ξ] for ξ = 4·row + column of the 4×4 transformed tile.
    let matrices: [BF16Matrix]

    /// Transforms and packs an OIHW `[Cout, Cin, 3, 3]` weight.
    public init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3,
                     "a Winograd weight wants [Cout, Cin, 3, 3], got \(weight.shape)")
        let (outChannels, inChannels) = (weight.shape[0], weight.shape[1])
        self.outChannels = outChannels
        self.inChannels = inChannels
        let pairs = outChannels * inChannels
        let transformed = Tensor(shape: [16, outChannels, inChannels]) { u in
            weight.withUnsafeBufferPointer { g in
                let g = g.baseAddress!, u = u.baseAddress!
                Parallel.forRanges(pairs, costPerItem: 128) { range in
                    rt_winograd2_weights(g + 9 * range.lowerBound, range.count, u + range.lowerBound, pairs)
                }
            }
        }
        matrices = (0..<16).map { xi in
            BF16Matrix(Tensor(shape: [outChannels, inChannels], scalars: Array(transformed.scalars[(xi * pairs)..<((xi + 1) * pairs)])))
        }
    }

    /// Bytes held by the 16 packed matrices.
    public var byteCount: Int { matrices.reduce(0) { $0 + $1.byteCount } }
}

extension Tensor {
    /// Whether a bf16 convolution layer should hold its weight as a `WinogradBF16Weight`: 3×3, stride 1,
    /// padding 1, at least 16 channels in and out (the tiny first and last layers stay direct), unless
    /// `RETOUCH_CONV2D=direct` forces the direct path process-wide.
    ///
    /// The choice does not depend on the image size: measured on 2 Zen 4 cores with batch 2, F(2×2, 3×3) in bf16
    /// is 2.1–2.4× faster than the direct bf16 convolution at 8×8 to 32×32 (UNet shapes with 640–1280 channels)
    /// and 1.2× faster than fp32 F(4×4, 3×3) at 64×64 with 320 channels.
    public static func winogradBF16Applies(inChannels: Int, outChannels: Int, kernel: (height: Int, width: Int),
                                           geometry: Conv2dGeometry) -> Bool {
        winogradApplies(kernelH: kernel.height, kernelW: kernel.width, geometry: geometry)
            && inChannels >= 16 && outChannels >= 16 && automaticConv2dOverride != .direct
    }

    /// Bytes of V and M scratch per worker for a band of F(2×2, 3×3) tiles.
    static let winograd2BudgetBytes = 16 << 20  // 2, 4 and 16 MB measured; 16 was fastest at 16×16 to 64×64

    /// 3×3, stride-1, padding-1 convolution of `[N, Cin, H, W]` through Winograd F(2×2, 3×3) with bf16 products
    /// (fp32 transforms, the 16 GEMMs in `GEMM.multiplyBF16` with fp32 accumulation).
    ///
    /// As in the F(4×4, 3×3) path, bands of tiles are processed one at a time by all workers: the input transform
    /// splits the input channels, the 16 GEMMs split ξ, the output transform splits the output channels.
    ///
    /// - Parameter bandBudgetBytes: V and M scratch per worker (default `winograd2BudgetBytes`); smaller budgets
    ///   split images into more bands (for tests of the banding).
    public func conv2d(winograd weight: WinogradBF16Weight, bias: Tensor? = nil, bandBudgetBytes: Int? = nil) -> Tensor {
        precondition(rank == 4, "conv2d wants NCHW input, got \(shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let outChannels = weight.outChannels
        precondition(weight.inChannels == inChannels, "Winograd weight for \(weight.inChannels) channels does not take \(shape)")
        if let bias { precondition(bias.count == outChannels, "conv2d bias \(bias.shape) for \(outChannels) channels") }
        let tilesX = (width + 1) / 2, tilesY = (height + 1) / 2, imageTiles = tilesX * tilesY
        let workers = Parallel.workerCount

        // Band: whole images when an image's tiles fit the shared budget (small images share their GEMMs, which
        // run better wide), else a rectangle of one image's tiles — whole tile rows when a row fits, else a run of
        // tile columns of one row — with the bands spread evenly over the image.
        let bytesPerTile = 16 * (inChannels + outChannels) * MemoryLayout<Float>.size
        let maxTiles = Swift.max(1, workers * (bandBudgetBytes ?? Self.winograd2BudgetBytes) / bytesPerTile)
        var bands: [WinogradBand] = []
        if imageTiles <= maxTiles {
            let imagesPerBand = Swift.min(batch, maxTiles / imageTiles)
            for first in stride(from: 0, to: batch, by: imagesPerBand) {
                bands.append(WinogradBand(firstImage: first, images: Swift.min(imagesPerBand, batch - first),
                                          tileY: 0, rows: tilesY, tileX: 0, columns: tilesX))
            }
        } else {
            let rowBands = tilesX <= maxTiles ? (tilesY + maxTiles / tilesX - 1) / (maxTiles / tilesX) : tilesY
            let columnBands = (tilesX + maxTiles - 1) / maxTiles
            for image in 0..<batch {
                for band in 0..<(rowBands * columnBands) {
                    let (rowBand, columnBand) = band.quotientAndRemainder(dividingBy: columnBands)
                    let tileY = tilesY * rowBand / rowBands, tileX = tilesX * columnBand / columnBands
                    bands.append(WinogradBand(firstImage: image, images: 1,
                                              tileY: tileY, rows: tilesY * (rowBand + 1) / rowBands - tileY,
                                              tileX: tileX, columns: tilesX * (columnBand + 1) / columnBands - tileX))
                }
            }
        }
        let bandTiles = bands.map(\.tiles).max() ?? 0

        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * inChannels * bandTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outChannels * bandTiles)
        defer { v.deallocate(); m.deallocate() }

        return Tensor(shape: [batch, outChannels, height, width]) { out in
            withUnsafeBufferPointer { input in
                let input = input.baseAddress!, out = out.baseAddress!
                withOptionalBias(bias) { bias in
                    for band in bands {
                        let tiles = band.tiles, bandImageTiles = band.rows * band.columns
                        Parallel.forRanges(inChannels, costPerItem: 20 * tiles) { channels in
                            for i in 0..<band.images {
                                let image = input + ((band.firstImage + i) * inChannels + channels.lowerBound) * height * width
                                rt_winograd2_input(image, channels.count, height, width,
                                                   band.tileY, band.rows, band.tileX, band.columns,
                                                   v + channels.lowerBound * tiles + i * bandImageTiles, tiles,
                                                   inChannels * tiles)
                            }
                        }
                        Parallel.forRanges(16, costPerItem: 2 * outChannels * inChannels * tiles) { xis in
                            for xi in xis {
                                GEMM.multiplyBF16(weight.matrices[xi], n: tiles, b: v + xi * inChannels * tiles,
                                                  ldb: tiles, c: m + xi * outChannels * tiles, rowStride: tiles,
                                                  parallel: false)
                            }
                        }
                        Parallel.forRanges(outChannels, costPerItem: 12 * tiles) { channels in
                            for i in 0..<band.images {
                                let result = out + ((band.firstImage + i) * outChannels + channels.lowerBound) * height * width
                                rt_winograd2_output(m + channels.lowerBound * tiles + i * bandImageTiles, channels.count,
                                                    tiles, outChannels * tiles, height, width,
                                                    band.tileY, band.rows, band.tileX, band.columns,
                                                    bias.map { $0 + channels.lowerBound }, 0, result)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Tiles transformed and multiplied together: `images` consecutive images from `firstImage`, and in each the
/// tile rectangle of `rows × columns` tiles at (`tileY`, `tileX`).
private struct WinogradBand {
    let firstImage: Int, images: Int
    let tileY: Int, rows: Int, tileX: Int, columns: Int
    /// All tiles of the band (V's and M's row length).
    var tiles: Int { images * rows * columns }
}

/// Calls `body` with the bias's storage, or with nil when there is no bias.
private func withOptionalBias<R>(_ bias: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let bias else { return body(nil) }
    return bias.withUnsafeBufferPointer { body($0.baseAddress) }
}
