import Foundation
import Testing
import RetouchImaging
import RetouchTestSupport

/// `retouch generate`, `img2img` and `inpaint` run as a user would: outputs with their parameters, error text,
/// exit codes, and no output left behind on failure.
struct DiffusionCommandTests {
    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, stderr: String) {
        try ConvertCommandTests.retouch(arguments, in: directory)
    }

    static let inpaintModel = Fixtures.url("models/tiny-inpaint").path
    static let photo = Fixtures.url("pipelines/inputs/coffee-64.png").path
    static let mask = Fixtures.url("pipelines/inputs/mask-64.png").path

    @Test("inpaint writes a PNG carrying AUTOMATIC1111-style parameters")
    func inpaintWritesParameters() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.run(["inpaint", Self.photo, "--mask", Self.mask, "--model", Self.inpaintModel, "--prompt", "a cat",
                                   "--steps", "3", "--seed", "5", "--scheduler", "euler-a", "--output", "out/result.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: directory.appendingPathComponent("out/result.png"))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("parameters"))
        #expect(text.contains("Steps: 3, Sampler: Euler a, CFG scale: 7.5, Seed: 5, Size: 64x64, Model: tiny-inpaint"))
    }

    @Test("--scheduler lcm and tcd run generate, img2img and inpaint at guidance 1 and record the sampler (and TCD's eta)",
          arguments: [("generate", "lcm"), ("img2img", "lcm"), ("inpaint", "lcm"), ("generate", "tcd"), ("img2img", "tcd"), ("inpaint", "tcd")])
    func fewStepSchedulers(command: String, scheduler: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        var arguments = [command]
        switch command {
        case "generate": arguments += ["--width", "64", "--height", "64"]
        case "img2img": arguments += [Self.photo, "--strength", "0.5"]
        default: arguments += [Self.photo, "--mask", Self.mask]
        }
        arguments += ["--model", command == "inpaint" ? Self.inpaintModel : Fixtures.url("models/tiny-sd1").path, "--prompt", "a cat",
                      "--steps", "4", "--guidance", "1", "--seed", "5", "--scheduler", scheduler, "--output", "out.png"]
        if scheduler == "tcd" { arguments += ["--eta", "0.5"] }
        let result = try Self.run(arguments, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent("out.png")), as: UTF8.self)
        let expected = scheduler == "tcd" ? "Steps: 4, Sampler: TCD, CFG scale: 1.0, Seed: 5, Eta: 0.5, Size: 64x64"
            : "Steps: 4, Sampler: LCM, CFG scale: 1.0, Seed: 5, Size: 64x64"
        #expect(text.contains(expected), "\(text.prefix(400))")
    }

    @Test("a distilled LCM model generates with --scheduler lcm --guidance 8 --steps 4: diffusers' image, the usual parameters")
    func distilledLCMModel() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.run(["generate", "--model", Fixtures.url("models/tiny-lcm").path, "--prompt", "a photo of a cat",
                                   "--width", "64", "--height", "64", "--scheduler", "lcm", "--guidance", "8", "--steps", "4",
                                   "--seed", "1234", "--output", "out.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let output = directory.appendingPathComponent("out.png")
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        #expect(text.contains("Steps: 4, Sampler: LCM, CFG scale: 8.0, Seed: 1234, Size: 64x64, Model: tiny-lcm"), "\(text.prefix(400))")
        let reference = try ImageIO.read(Fixtures.url("pipelines/lcm-unet/lcm-g8-4steps.png")).converted(toChannels: 3)
        let psnr = try ImageIO.read(output).converted(toChannels: 3).psnr(reference)
        #expect(psnr >= 45, "\(psnr) dB from diffusers' LatentConsistencyModelPipeline")
    }

    @Test("more LCM steps than the distillation schedule holds is an error that says so, with no output")
    func tooManyLCMSteps() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.run(["inpaint", Self.photo, "--mask", Self.mask, "--model", Self.inpaintModel, "--prompt", "a",
                                   "--scheduler", "lcm", "--steps", "51", "--output", "out.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("lcm takes at most original_inference_steps = 50 steps"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("file problems name the file, exit 1 and leave no output", arguments: [
        (["inpaint", "missing.png", "--mask", "m.png"], "error: missing.png: cannot open"),
        (["generate"], "not a Hugging Face id"),
    ] as [([String], String)])
    func fileErrors(prefix: [String], message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let model = prefix == ["generate"] ? "/nonexistent/model" : Self.inpaintModel
        let result = try Self.run(prefix + ["--model", model, "--prompt", "a", "--output", "out.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("bad values are usage errors naming the value", arguments: [
        (["--scheduler", "karras"], "--scheduler must be one of"),
        (["--strength", "1.5"], "--strength must be from 0 to 1; got 1.5"),
        (["--eta", "1.5"], "--eta must be from 0 to 1; got 1.5"),
        (["--eta", "-0.1"], "--eta must be from 0 to 1; got -0.1"),
        (["--eta", "nan"], "--eta must be a finite number; got nan"),
        (["--eta", "0.5", "--scheduler", "euler-a"], "--eta is TCD's stochasticity; --scheduler euler-a does not use it"),
        (["--inpaint-area", "centre"], "--inpaint-area must be one of whole, masked; got 'centre'"),
        (["--masked-content", "blur"], "--masked-content must be one of original, fill, latent-noise, latent-nothing; got 'blur'"),
    ] as [([String], String)])
    func usageErrors(extra: [String], message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try Self.run(["inpaint", Self.photo, "--mask", Self.mask, "--model", Self.inpaintModel, "--prompt", "a",
                                   "--output", "out.png"] + extra, in: directory)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("refuses to write over an input")
    func refusesInput() throws {
        let directory = try Fixtures.temporaryDirectory()
        let copy = directory.appendingPathComponent("photo.png")
        try FileManager.default.copyItem(atPath: Self.photo, toPath: copy.path)
        let before = try Data(contentsOf: copy)
        let result = try Self.run(["img2img", "photo.png", "--model", Fixtures.url("models/tiny-sd1").path, "--prompt", "a",
                                   "--steps", "2", "--output", "photo.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("is an input of this run"))
        #expect(try Data(contentsOf: copy) == before)
    }
}

/// `--embedding` and `--embeddings-dir` as a user runs them.
struct EmbeddingCommandTests {
    static let model = Fixtures.url("models/tiny-sd1").path
    static let files = Fixtures.url("embeddings/files")

    @Test("an embedding from --embeddings-dir used in the negative prompt shows as TI hashes")
    func folderEmbeddingInInfotext() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try DiffusionCommandTests.run(["generate", "--model", Self.model, "--prompt", "a cat", "--negative-prompt", "blurry, kohyaone",
                                                    "--embeddings-dir", Self.files.path, "--steps", "2", "--seed", "1", "--output", "out.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent("out.png")), as: UTF8.self)
        #expect(text.contains("TI hashes: \"kohyaone: 333184744140\""))
    }

    @Test("an SD 2.x embedding on an SD 1.x model fails naming the file, and writes nothing")
    func widthError() throws {
        let directory = try Fixtures.temporaryDirectory()
        let file = Self.files.appendingPathComponent("sdtwo.safetensors").path
        let result = try DiffusionCommandTests.run(["generate", "--model", Self.model, "--prompt", "a sdtwo cat", "--embedding", file,
                                                    "--steps", "2", "--output", "out.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file): the embedding's vectors are 24 wide"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("an --embedding neither prompt uses is reported")
    func unusedWarning() throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try DiffusionCommandTests.run(["generate", "--model", Self.model, "--prompt", "a cat",
                                                    "--embedding", Self.files.appendingPathComponent("kohyathree.safetensors").path,
                                                    "--steps", "2", "--seed", "1", "--output", "out.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("the embedding 'kohyathree' is not used"), "\(result.stderr)")
    }
}
