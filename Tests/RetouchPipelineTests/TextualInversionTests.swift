import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTestSupport
import RetouchTokenizer

/// Textual-inversion embeddings against diffusers' `load_textual_inversion` (fixtures/embeddings, diffusers 0.42.1):
/// each format, one and three vectors, in the prompt and in the negative prompt; the same prompt ids, text-encoder
/// hidden states within 1e-4, and images at ≥ 45 dB PSNR (and the image without the embedding below that).
struct TextualInversionTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, file: String, prompt: String, negative_prompt: String
        let vectors: Int, steps: Int, seed: UInt64, guidance: Float, scheduler: String, width: Int, height: Int
        var description: String { id }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("embeddings/cases.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()
    static let model = try? StableDiffusion.load(Fixtures.url("models/tiny-sd1").path)
    static func file(_ name: String) -> URL { Fixtures.url("embeddings/files/\(name)") }

    @Test("the table covers five formats, one and three vectors, prompt and negative")
    func coverage() {
        #expect(Self.cases.count == 20)
        #expect(Set(Self.cases.map(\.vectors)) == [1, 3])
    }

    @Test("same prompt ids and hidden states as diffusers", arguments: cases.filter { $0.id.hasSuffix("-prompt") })
    func hiddenStates(_ c: Case) throws {
        do {
            let base = try #require(Self.model)
            let model = try base.addingEmbeddings(files: [Fixtures.url("embeddings/\(c.file)")], folder: nil, prompts: [])
            let ids = model.tokenizer.tokenize(c.prompt).chunks[0]
            let reference = try NumpyArray(fixture: "embeddings/reference/\(c.id)_ids.npy").integers
            #expect(ids == reference)
            let hidden = model.textEncoder.encode([ids])
            let expected = try NumpyArray(fixture: "embeddings/reference/\(c.id)_hidden.npy")
            let worst = zip(hidden.scalars, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-4, "\(c.id): max difference \(worst)")
            let without = base.textEncoder.encode([base.tokenizer.tokenize(c.prompt).chunks[0]])
            #expect(zip(without.scalars, expected.values).map { abs($0 - $1) }.max() ?? 0 > 1e-2, "the reference differs from no embedding")
        }
    }

    @Test("same image as diffusers (PSNR ≥ 45 dB); without the embedding it differs", arguments: cases)
    func images(_ c: Case) throws {
        do {
            let base = try #require(Self.model)
            let model = try base.addingEmbeddings(files: [Fixtures.url("embeddings/\(c.file)")], folder: nil, prompts: [])
            var settings = DiffusionSettings(prompt: c.prompt)
            settings.negativePrompt = c.negative_prompt
            settings.steps = c.steps
            settings.guidance = c.guidance
            settings.seed = c.seed
            settings.scheduler = SchedulerKind(rawValue: c.scheduler)
            let reference = try ImageIO.read(Fixtures.url("embeddings/reference/\(c.id).png")).converted(toChannels: 3)
            let with = try EditPipelines(model: model).generate(settings, width: c.width, height: c.height).image
            let without = try EditPipelines(model: base).generate(settings, width: c.width, height: c.height).image
            #expect(with.psnr(reference) >= 45, "\(c.id): \(with.psnr(reference)) dB")
            #expect(without.psnr(reference) < 42, "\(c.id): without the embedding \(without.psnr(reference)) dB")
        }
    }

    @Test("formats: tensor names and shapes decide, the file stem is the word", arguments: [
        ("kohyaone.safetensors", "kohyaone", 1), ("kohyathree.safetensors", "kohyathree", 3),
        ("conceptone.safetensors", "conceptone", 1), ("conceptthree.safetensors", "conceptthree", 3),
        ("singleone.safetensors", "singleone", 1), ("singlethree.safetensors", "singlethree", 3),
        ("ptembone.pt", "ptembone", 1), ("ptembthree.pt", "ptembthree", 3),
        ("binembone.bin", "binembone", 1), ("binembthree.bin", "binembthree", 3),
    ])
    func formats(file: String, name: String, vectors: Int) throws {
        let embedding = try TextualInversion(url: Self.file(file))
        #expect(embedding.name == name)
        #expect(embedding.vectors.shape == [vectors, 16])
        #expect(embedding.shortHash.count == 12)
    }

    @Test("a diffusers file named learned_embeds takes the token stored in it")
    func learnedEmbedsToken() throws {
        let directory = try Fixtures.temporaryDirectory()
        let copy = directory.appendingPathComponent("learned_embeds.safetensors")
        try FileManager.default.copyItem(at: Self.file("conceptthree.safetensors"), to: copy)
        #expect(try TextualInversion(url: copy).name == "<cat-toy>")
    }

    @Test("the short hash is the first 12 hex digits of the file's SHA-256, as AUTOMATIC1111's TI hashes")
    func hash() throws {
        let embedding = try TextualInversion(url: Self.file("kohyaone.safetensors"))
        #expect(embedding.shortHash == "333184744140")   // sha256sum fixtures/embeddings/files/kohyaone.safetensors
        #expect(StableDiffusion.tiHashes([embedding]) == "\"kohyaone: 333184744140\"")
    }

    @Test("an A1111 .pt embedding (a torch pickle, read as data) equals its safetensors conversion")
    func pickleEqualsSafetensors() throws {
        let pickle = try TextualInversion(url: Self.file("ptembthree.pt"))
        let converted = try TextualInversion(url: Fixtures.url("pickle/ptembthree.safetensors"))
        #expect(pickle.vectors.shape == [3, 16])
        #expect(pickle.vectors.scalars.map(\.bitPattern) == converted.vectors.scalars.map(\.bitPattern))
    }

    @Test("refusals name the file and the problem", arguments: [
        ("sdtwo.safetensors", "24 wide but this model's text encoder is 16 wide"),
        ("sdxlemb.safetensors", "SDXL embedding"),
    ])
    func refusals(file: String, message: String) throws {
        let base = try #require(Self.model)
        do {
            _ = try base.addingEmbeddings(files: [Self.file(file)], folder: nil, prompts: [])
            Issue.record("\(file) loaded")
        } catch {
            #expect("\(error)".contains(Self.file(file).path), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("in an embeddings folder, only files whose stem is a word of a prompt are read")
    func folderTriggers() throws {
        let base = try #require(Self.model)
        let folder = Fixtures.url("embeddings/files")
        let model = try base.addingEmbeddings(files: [], folder: folder, prompts: ["a photo of KohyaThree", "blurry, singleone"])
        #expect(model.embeddings.map(\.name) == ["kohyathree", "singleone"])   // sdtwo (wrong width) is never read
        #expect(try base.addingEmbeddings(files: [], folder: folder, prompts: ["a photo of a cat"]).embeddings.isEmpty)
        #expect(model.embeddingsUsed(prompt: "a photo of kohyathree", negativePrompt: "").map(\.name) == ["kohyathree"])
    }

    @Test("weighting: (name:1.2) gives every vector the weight; multi-vector names expand to consecutive added ids")
    func weighting() throws {
        let model = try #require(Self.model).addingEmbeddings(files: [Self.file("kohyathree.safetensors")], folder: nil, prompts: [])
        let vocabulary = model.tokenizer.vocabularySize
        let tokenized = model.tokenizer.tokenize("a (kohyathree:1.2) cat", options: TokenizeOptions(weighting: true))
        #expect(Array(tokenized.chunks[0][2...4]) == [vocabulary, vocabulary + 1, vocabulary + 2])
        #expect(Array(tokenized.weights[0][1...5]) == [1, 1.2, 1.2, 1.2, 1])
        #expect(model.tokenizer.decode(Array(tokenized.chunks[0][1...5])) == "a kohyathree kohyathree_1 kohyathree_2 cat")
    }

    @Test("chunking: a multi-vector embedding never straddles two chunks (A1111)")
    func chunking() throws {
        let model = try #require(Self.model).addingEmbeddings(files: [Self.file("kohyathree.safetensors")], folder: nil, prompts: [])
        let vocabulary = model.tokenizer.vocabularySize
        let words = Array(repeating: "cat", count: 73).joined(separator: " ")
        let tokenized = model.tokenizer.tokenize(words + " kohyathree", options: TokenizeOptions(longPrompts: .chunk))
        #expect(tokenized.chunks.count == 2)
        #expect(!tokenized.chunks[0].contains(vocabulary))
        #expect(Array(tokenized.chunks[1][1...3]) == [vocabulary, vocabulary + 1, vocabulary + 2])
        let conditioning = model.encode(prompt: words + " kohyathree", negativePrompt: "", options: TokenizeOptions(longPrompts: .chunk))
        #expect(conditioning.embeddings.shape == [2, 154, 16])
    }

}
