import Foundation
import Testing
import Retouch
import RetouchModels
import RetouchSchedulers
import RetouchTensor
import RetouchTestSupport

/// `--vae-tiling` with a TAESD: tiles decoded (and encoded) on their own and blended, as for the VAE.
@Suite("TAESD tiling")
struct TAESDTilingTests {
    static func taesd() throws -> AutoencoderTiny {
        try StandaloneTAESD(url: Fixtures.url("taesd/tiny-taesd"), flag: "--vae", needsEncoder: true).autoencoder()
    }

    static func tiling(_ size: Int) -> VAETiling {
        var tiling = VAETiling()
        tiling.mode = .on
        tiling.tileSize = size
        tiling.overlap = size / 4
        return tiling
    }

    @Test("an image no larger than a tile is decoded and encoded whole, bit for bit")
    func singleTile() throws {
        let taesd = try Self.taesd()
        var random = TorchRandomSource(seed: 5)
        let latent = random.normalTensor([1, 4, 8, 8])
        #expect(taesd.decode(latent, tiling: Self.tiling(64)) == taesd.decode(latent))
        let image = random.normalTensor([1, 3, 64, 64]).map { max(-1, min(1, $0 * 0.3)) }
        #expect(taesd.encode(image, tiling: Self.tiling(64)) == taesd.encode(image))
    }

    /// A tile lacks its neighbours' context near its edges, so tiled and whole results differ near the seams; the
    /// blend keeps them close. Measured on the tiny random TAESD: decode max abs 0.13 (of a 2.15 range), encode
    /// max abs 0.52 of 3.38 (relative 0.155; the encoder's 8× downsampling makes its seams wider in latent terms).
    @Test("3×2 tiles agree with the whole decode and encode, with the shapes of the whole")
    func tiledAgrees() throws {
        let taesd = try Self.taesd()
        var random = TorchRandomSource(seed: 6)
        let latent = random.normalTensor([1, 4, 20, 32])
        let whole = taesd.decode(latent), tiled = taesd.decode(latent, tiling: Self.tiling(128))
        #expect(tiled.shape == whole.shape)
        let decoding = Closeness(tiled, whole)
        #expect(decoding.maxAbsError < 0.2, "\(decoding)")
        let image = random.normalTensor([1, 3, 160, 256]).map { max(-1, min(1, $0 * 0.3)) }
        let encodedWhole = taesd.encode(image), encodedTiled = taesd.encode(image, tiling: Self.tiling(128))
        #expect(encodedTiled.shape == encodedWhole.shape)
        let encoding = Closeness(encodedTiled, encodedWhole)
        #expect(encoding.relativeError < 0.2, "\(encoding)")
    }
}
