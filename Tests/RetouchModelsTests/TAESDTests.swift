import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// TAESD (diffusers' `AutoencoderTiny`): every form it is shared in encodes and decodes as diffusers does, on the
/// tiny random fixture of `fixtures/taesd/make_taesd_fixtures.py`; configs are validated at decode.
@Suite("TAESD")
struct TAESDTests {
    /// The forms: diffusers' folder; madebyollin's files, safetensors and .pth, given as a folder or as the decoder or
    /// encoder file (whose other half is found beside it).
    static let forms = ["taesd/tiny-taesd", "taesd/original", "taesd/original/taesd_decoder.safetensors",
                        "taesd/original/taesd_encoder.safetensors", "taesd/original-pth", "taesd/original-pth/taesd_decoder.pth"]

    static func psnr(_ a: Tensor, _ b: Tensor, peak: Double) -> Double {
        var squared = 0.0
        for i in 0..<a.count { let d = Double(a.scalars[i] - b.scalars[i]); squared += d * d }
        let mse = squared / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(peak * peak / mse)
    }

    @Test("each form encodes an image and decodes a latent as diffusers' AutoencoderTiny does", arguments: forms)
    func parity(form: String) throws {
        let taesd = try StandaloneTAESD(url: Fixtures.url(form), flag: "--vae", needsEncoder: true).autoencoder()
        let encoded = taesd.encode(try NumpyArray(fixture: "taesd/reference/image.npy").tensor)
        let expectedLatents = try NumpyArray(fixture: "taesd/reference/encoded.npy").tensor
        let decoded = taesd.decode(try NumpyArray(fixture: "taesd/reference/latent.npy").tensor)
        let expectedImage = try NumpyArray(fixture: "taesd/reference/decoded.npy").tensor
        #expect(encoded.shape == [1, 4, 4, 6] && decoded.shape == [1, 3, 48, 64])
        let encoding = Closeness(encoded, expectedLatents), decoding = Closeness(decoded, expectedImage)
        #expect(encoding.isWithin(1e-5), "\(encoding)")
        #expect(decoding.isWithin(1e-5), "\(decoding)")
        // On the [-1, 1] image scale (peak-to-peak 2), far above the 45 dB the pipelines ask for.
        #expect(Self.psnr(decoded, expectedImage, peak: 2) > 100)
        print("TAESD parity \(form): encode \(encoding), decode \(decoding), decode PSNR \(Self.psnr(decoded, expectedImage, peak: 2)) dB")
    }

    @Test("the original files' architecture, read from their shapes, is the diffusers config's")
    func inferredConfig() throws {
        let folder = try StandaloneTAESD(url: Fixtures.url("taesd/tiny-taesd"), flag: "--vae", needsEncoder: true)
        #expect(folder.config == TAESDConfig(encoderChannels: [8, 8, 8, 8], decoderChannels: [8, 8, 8, 8],
                                             encoderBlocks: [1, 1, 1, 1], decoderBlocks: [1, 1, 1, 1]))
        #expect(folder.config.scaleFactor == 8 && folder.config.latentSpace.scalingFactor == 1)
        for form in ["taesd/original", "taesd/original-pth/taesd_encoder.pth"] {
            #expect(try StandaloneTAESD(url: Fixtures.url(form), flag: "--vae", needsEncoder: true).config == folder.config)
        }
    }

    @Test("a decoder file alone decodes, and refuses to encode with an error naming the flag")
    func decoderAlone() throws {
        let directory = try Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("taesd_decoder.safetensors")
        try FileManager.default.copyItem(at: Fixtures.url("taesd/original/taesd_decoder.safetensors"), to: file)
        let taesd = try StandaloneTAESD(url: file, flag: "--decoder", needsEncoder: false)
        #expect(!taesd.hasEncoder)
        let decoded = try taesd.decoder()(try NumpyArray(fixture: "taesd/reference/latent.npy").tensor)
        #expect(Closeness(decoded, try NumpyArray(fixture: "taesd/reference/decoded.npy").tensor).isWithin(1e-5))
        #expect(throws: ModelLoadingError.self) { try StandaloneTAESD(url: file, flag: "--vae", needsEncoder: true) }
        do { _ = try StandaloneTAESD(url: file, flag: "--vae", needsEncoder: true) } catch {
            #expect("\(error)".contains("--vae") && "\(error)".contains("no encoder weights"), "\(error)")
        }
    }

    @Test("the full folder's decoder loads alone (its encoder weights are not 'unused')")
    func decoderOfWholeModel() throws {
        let taesd = try StandaloneTAESD(url: Fixtures.url("taesd/tiny-taesd"), flag: "--decoder", needsEncoder: false)
        let decoded = try taesd.decoder()(try NumpyArray(fixture: "taesd/reference/latent.npy").tensor)
        #expect(Closeness(decoded, try NumpyArray(fixture: "taesd/reference/decoded.npy").tensor).isWithin(1e-5))
    }

    @Test("detection: TAESD folders and files are told from AutoencoderKL ones", arguments: [
        ("taesd/tiny-taesd", true), ("taesd/original", true), ("taesd/original/taesd_decoder.safetensors", true),
        ("taesd/original-pth/taesd_encoder.pth", true), ("vae/tiny-vae", false), ("vae/tiny-vae.safetensors", false),
        ("pickle/tiny-vae.pt", false), ("vae/nothing-here", false),
    ])
    func detection(form: String, isTAESD: Bool) {
        #expect(StandaloneTAESD.detect(Fixtures.url(form)) == isTAESD)
    }

    @Test("absent fields take diffusers' defaults: SD's TAESD (×8, 4 latent channels, 64 wide)")
    func defaults() throws {
        let config = try TAESDConfig(ConfigReader(values: ["_class_name": .string("AutoencoderTiny")], file: "config.json"))
        #expect(config == .sd)
        #expect(config.scaleFactor == 8 && config.latentChannels == 4 && config.scalingFactor == 1)
        let model = try AutoencoderTiny(config: config, weights: RandomWeights(seed: 1))
        #expect(model.decode(Tensor(shape: [1, 4, 2, 3], repeating: 0.1)).shape == [1, 3, 16, 24])
        #expect(model.encode(Tensor(shape: [1, 3, 16, 24], repeating: 0.1)).shape == [1, 4, 2, 3])
    }

    @Test("config values are validated at decode, naming the file and the field", arguments: [
        ("act_fn", JSONValue.string("silu"), "unsupported value"),
        ("upsampling_scaling_factor", .number(3), "unsupported value"),
        ("upsample_fn", .string("bilinear"), "unsupported value"),
        ("shift_factor", .number(0.5), "unsupported value"),
        ("encoder_block_out_channels", .array([.number(8), .number(16), .number(16), .number(16)]), "every entry must be equal"),
        ("num_decoder_blocks", .array([.number(1), .number(1)]), "entries for 4 levels"),
        ("latent_channels", .number(0), "outside the allowed range"),
        ("scaling_factor", .number(-1), "outside the allowed range"),
        ("in_channels", .number(4), "outside the allowed range"),
        ("decoder_block_out_channels", .string("64"), "expected a list of integers"),
    ])
    func validation(key: String, value: JSONValue, problem: String) throws {
        var values = try ConfigReader(url: Fixtures.url("taesd/tiny-taesd/config.json")).values
        values[key] = value
        do {
            _ = try TAESDConfig(ConfigReader(values: values, file: "taesd/config.json"))
            Issue.record("\(key) = \(value) was accepted")
        } catch let error as ConfigError {
            #expect("\(error)".contains("taesd/config.json") && "\(error)".contains(key) && "\(error)".contains(problem), "\(error)")
        }
    }

    @Test("a folder whose config is not AutoencoderTiny, or a file that is not a TAESD, is refused naming it")
    func refusals() throws {
        #expect(throws: ModelLoadingError.self) { try StandaloneTAESD(url: Fixtures.url("vae/tiny-vae"), flag: "--decoder", needsEncoder: false) }
        do { _ = try StandaloneTAESD(url: Fixtures.url("vae/tiny-vae.safetensors"), flag: "--decoder", needsEncoder: false) } catch {
            #expect("\(error)".contains("tiny-vae.safetensors") && "\(error)".contains("not a TAESD"), "\(error)")
        }
    }
}

/// `retouch models` tells a TAESD in VAE/ from an `AutoencoderKL`.
@Suite("TAESD in the models folder")
struct TAESDModelsFolderTests {
    @Test("TAESD files and folders are described as such", arguments: [
        ("taesd/original/taesd_decoder.safetensors", false), ("taesd/original-pth/taesd_encoder.pth", false),
        ("taesd/tiny-taesd/diffusion_pytorch_model.safetensors", false), ("taesd/tiny-taesd", true),
    ])
    func described(path: String, isFolder: Bool) {
        let url = Fixtures.url(path)
        let entry = ModelEntry(kind: .vae, name: url.deletingPathExtension().lastPathComponent, fileName: url.lastPathComponent,
                               url: url, isFolder: isFolder)
        let expected = "TAESD (tiny autoencoder), 4 latent channels" + (isFolder ? " (diffusers folder)" : "")
        #expect(ModelArchitecture.describe(entry) == expected)
    }
}

/// Hostile TAESD files: what their shapes describe gets the bounds a config gets, before any layer is built.
@Suite("Hostile TAESD files")
struct HostileTAESDTests {
    static func decoderFile(_ tensors: [String: Tensor]) throws -> URL {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("taesd_decoder.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        return url
    }

    static func conv(_ out: Int, _ input: Int) -> Tensor { Tensor(shape: [out, input, 3, 3], repeating: 0.01) }

    @Test("too many levels, uneven widths, or too many latent channels are refused naming the file", arguments: [
        ("levels", [4] + Array(repeating: 8, count: 12)),
        ("widths", [4, 8, 16, 16]),
        ("latent", [100, 8, 8]),
    ])
    func refused(label: String, widths: [Int]) throws {
        // A plain convolution chain 1.weight, 2.weight, …: conv_in from widths[0] latent channels, then per level one.
        var tensors: [String: Tensor] = [:]
        for index in 1..<widths.count {
            let out = widths[index], input = index == 1 ? widths[0] : widths[index - 1]
            tensors["\(index).weight"] = Self.conv(out, input)
        }
        tensors["\(widths.count).weight"] = Self.conv(3, widths[widths.count - 1])
        let url = try Self.decoderFile(tensors)
        do {
            _ = try StandaloneTAESD(url: url, flag: "--decoder", needsEncoder: false).decoder()
            Issue.record("\(label): accepted")
        } catch let error as ModelLoadingError {
            #expect("\(error)".contains(url.path) && "\(error)".contains("not a TAESD"), "\(error)")
        }
    }

    @Test("a weight of the wrong shape, or an extra one, is an error naming the key")
    func strictShapes() throws {
        let source = try SafetensorsFile(url: Fixtures.url("taesd/original/taesd_decoder.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in source.entries.keys { tensors[name] = try source.tensor(name) }
        tensors["3.conv.2.weight"] = Self.conv(8, 7)
        let url = try Self.decoderFile(tensors)
        #expect(throws: ModelLoadingError.self) { try StandaloneTAESD(url: url, flag: "--decoder", needsEncoder: false).decoder() }
        tensors["3.conv.2.weight"] = try source.tensor("3.conv.2.weight")
        tensors["3.extra.weight"] = Self.conv(8, 8)
        let extra = try Self.decoderFile(tensors)
        do {
            _ = try StandaloneTAESD(url: extra, flag: "--decoder", needsEncoder: false).decoder()
            Issue.record("an unused key was accepted")
        } catch let error as ModelLoadingError {
            #expect("\(error)".contains("decoder.layers.2.extra.weight") || "\(error)".contains("extra"), "\(error)")
        }
    }
}
