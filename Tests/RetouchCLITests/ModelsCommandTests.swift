import Foundation
import Testing
import RetouchFiles
import RetouchImaging
import RetouchTestSupport

/// `retouch models` and `--models-dir` as a user runs them: names resolve inside an AUTOMATIC1111-style folder.
struct ModelsCommandTests {
    /// Runs `retouch ARGS` in `directory` with `environment` added; returns status, standard output and error.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = ConvertCommandTests.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outURL = directory.appendingPathComponent(".stdout"), errURL = directory.appendingPathComponent(".stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        return (process.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), try String(contentsOf: errURL, encoding: .utf8))
    }

    /// A models folder with the tiny SD 1 pipeline, a separate VAE and an embedding.
    static func modelsFolder() throws -> URL {
        let root = try Fixtures.temporaryDirectory("models-dir")
        let manager = FileManager.default
        for sub in ["Stable-diffusion", "VAE", "embeddings", "Lora"] {
            try manager.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try manager.createSymbolicLink(at: root.appendingPathComponent("Stable-diffusion/tiny-sd1"), withDestinationURL: Fixtures.url("models/tiny-sd1"))
        try manager.copyItem(at: Fixtures.url("vae/tiny-vae.safetensors"), to: root.appendingPathComponent("VAE/tiny-vae.safetensors"))
        try manager.copyItem(at: Fixtures.url("embeddings/files/kohyaone.safetensors"), to: root.appendingPathComponent("embeddings/kohyaone.safetensors"))
        try manager.copyItem(at: Fixtures.url("lora/files/kohya.safetensors"), to: root.appendingPathComponent("Lora/kohya.safetensors"))
        return root
    }

    @Test("retouch models lists kind, A1111 short hash, architecture and name of each file")
    func listing() throws {
        let root = try Self.modelsFolder()
        let result = try Self.run(["models", "--models-dir", root.path], in: root)
        #expect(result.status == 0, "\(result.stderr)")
        let vaeHash = try FileHash.shortHash(of: root.appendingPathComponent("VAE/tiny-vae.safetensors"))
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("checkpoint - unknown (text width 16) (diffusers folder) tiny-sd1"), "\(result.stdout)")
        #expect(lines.contains("vae \(vaeHash) VAE, 4 latent channels tiny-vae.safetensors"), "\(result.stdout)")
        let json = try Self.run(["models", "--kind", "embedding", "--json"], in: root, environment: ["RETOUCH_MODELS_DIR": root.path])
        let row = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(row?["kind"] as? String == "embedding" && row?["name"] as? String == "kohyaone.safetensors")
        #expect(row?["hash"] as? String == (try FileHash.shortHash(of: root.appendingPathComponent("embeddings/kohyaone.safetensors"))))
    }

    @Test("names in --models-dir (or RETOUCH_MODELS_DIR) give the same image as the paths")
    func namesResolve() throws {
        let root = try Self.modelsFolder()
        let common = ["--prompt", "a kohyaone cat", "--steps", "2", "--seed", "3", "--width", "64", "--height", "64"]
        let byPath = try Self.run(["generate", "--model", Fixtures.url("models/tiny-sd1").path, "--vae", Fixtures.url("vae/tiny-vae.safetensors").path,
                                   "--embedding", Fixtures.url("embeddings/files/kohyaone.safetensors").path, "--output", "path.png"] + common, in: root)
        #expect(byPath.status == 0, "\(byPath.stderr)")
        let byName = try Self.run(["generate", "--models-dir", root.path, "--model", "tiny-sd1", "--vae", "tiny-vae", "--output", "name.png"] + common, in: root)
        #expect(byName.status == 0, "\(byName.stderr)")
        let byVariable = try Self.run(["generate", "--model", "tiny-sd1", "--vae", "tiny-vae.safetensors", "--output", "env.png"] + common,
                                      in: root, environment: ["RETOUCH_MODELS_DIR": root.path])
        #expect(byVariable.status == 0, "\(byVariable.stderr)")
        let reference = try ImageIO.read(root.appendingPathComponent("path.png"))
        for file in ["name.png", "env.png"] {
            let image = try ImageIO.read(root.appendingPathComponent(file))
            #expect(image.pixels == reference.pixels, "\(file)")
            #expect(image.text["parameters"]?.contains("TI hashes: \"kohyaone: ") == true, "the models folder's embeddings/ is read")
        }
    }

    @Test("LoRAs by name: --lora NAME:W and <lora:NAME:W> tags resolve in Lora/, giving the image of --lora PATH:W")
    func loraNames() throws {
        let root = try Self.modelsFolder()
        let common = ["--model", Fixtures.url("models/tiny-sd1").path, "--steps", "2", "--seed", "3", "--width", "64", "--height", "64"]
        let byPath = try Self.run(["generate", "--prompt", "a cat", "--lora", Fixtures.url("lora/files/kohya.safetensors").path + ":0.5",
                                   "--output", "path.png"] + common, in: root)
        #expect(byPath.status == 0, "\(byPath.stderr)")
        let byName = try Self.run(["generate", "--models-dir", root.path, "--prompt", "a cat", "--lora", "kohya:0.5", "--output", "name.png"] + common, in: root)
        #expect(byName.status == 0, "\(byName.stderr)")
        let byTag = try Self.run(["generate", "--models-dir", root.path, "--prompt", "a cat <lora:kohya:0.5>", "--output", "tag.png"] + common, in: root)
        #expect(byTag.status == 0, "\(byTag.stderr)")
        let without = try Self.run(["generate", "--prompt", "a cat", "--output", "none.png"] + common, in: root)
        #expect(without.status == 0, "\(without.stderr)")
        let reference = try ImageIO.read(root.appendingPathComponent("path.png"))
        for file in ["name.png", "tag.png"] {
            let image = try ImageIO.read(root.appendingPathComponent(file))
            #expect(image.pixels == reference.pixels, "\(file)")
            #expect(image.text["parameters"]?.contains("Lora hashes: \"kohya: ") == true, "\(image.text["parameters"] ?? "")")
        }
        #expect(try ImageIO.read(root.appendingPathComponent("none.png")).pixels != reference.pixels)
    }

    @Test("an unknown name fails naming the folder searched, and writes nothing")
    func unknownName() throws {
        let root = try Self.modelsFolder()
        let result = try Self.run(["generate", "--models-dir", root.path, "--model", "dreamshaper", "--prompt", "a cat", "--steps", "1", "--output", "out.png"], in: root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Stable-diffusion: no checkpoint named 'dreamshaper'; it holds: tiny-sd1"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out.png").path))
        let none = try Self.run(["generate", "--model", "tiny-sd1", "--prompt", "a cat", "--steps", "1", "--output", "out.png"], in: root,
                                environment: ["RETOUCH_MODELS_DIR": ""])
        #expect(none.status == 1 && none.stderr.contains("give --models-dir or set RETOUCH_MODELS_DIR"), "\(none.stderr)")
    }
}
