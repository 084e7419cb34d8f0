import Foundation
import RetouchFiles
import RetouchSafetensors
import RetouchTensor

/// One textual-inversion embedding: the vectors a prompt word stands for.
///
/// Formats, told from tensor names and shapes (never from the extension): AUTOMATIC1111 `.pt`
/// (`string_to_param.*`), kohya / Civitai safetensors (`emb_params`), a file holding one tensor under any name,
/// and diffusers `learned_embeds` (`{token: vector}`). Vectors are `[n, width]` or `[width]` (one vector).
/// kohya SDXL files (`clip_l` + `clip_g`) are refused: SDXL is not supported yet.
public struct TextualInversion: Sendable {
    /// The word that triggers it: the file stem, as AUTOMATIC1111 does (for a file named `learned_embeds`,
    /// diffusers' default name, the token stored in the file).
    public let name: String
    /// `[n, width]`: one row per vector.
    public let vectors: Tensor
    /// The file, for messages.
    public let path: String
    /// The first 12 hex digits of the file's SHA-256 (AUTOMATIC1111's `shorthash`, written as `TI hashes`).
    public let shortHash: String

    /// The number of vectors (tokens) the embedding takes in a prompt.
    public var vectorCount: Int { vectors.shape[0] }
    /// The width of each vector (768 for SD 1.x, 1024 for SD 2.x).
    public var width: Int { vectors.shape[1] }

    /// Creates an embedding from vectors (tests, or embeddings read elsewhere).
    public init(name: String, vectors: Tensor, path: String, shortHash: String) {
        self.name = name
        self.vectors = vectors
        self.path = path
        self.shortHash = shortHash
    }

    /// Reads an embedding file through `TensorArchives.open`, so pickle files load as soon as the reader does.
    public init(url: URL) throws {
        let archive = try TensorArchives.open(url)
        let shapes = archive.shapes
        let stem = url.deletingPathExtension().lastPathComponent
        func fail(_ problem: String) -> ModelLoadingError { ModelLoadingError(origin: url.path, problem: problem) }
        let tensorName: String
        var storedToken: String?
        if shapes.keys.contains("clip_l") || shapes.keys.contains("clip_g") {
            throw fail("this is an SDXL embedding (clip_l/clip_g vectors); Retouch runs SD 1.x and 2.x, not SDXL yet")
        } else if let key = shapes.keys.sorted().first(where: { $0.hasPrefix("string_to_param.") }) {
            guard shapes.keys.filter({ $0.hasPrefix("string_to_param.") }).count == 1 else {
                throw fail("the embedding file has more than one term in string_to_param (\(shapes.keys.sorted().joined(separator: ", ")))")
            }
            tensorName = key
        } else if shapes["emb_params"] != nil {
            tensorName = "emb_params"
        } else if shapes.count == 1, let only = shapes.keys.first {
            tensorName = only
            storedToken = only
        } else {
            let names = shapes.keys.sorted().prefix(8).joined(separator: ", ")
            throw fail(shapes.isEmpty ? "the file holds no tensors, so it is not an embedding"
                       : "not an embedding file Retouch knows (expected string_to_param.*, emb_params or a single tensor; found \(names))")
        }
        let shape = shapes[tensorName] ?? []
        guard shape.count == 1 || shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
            throw fail("tensor '\(tensorName)' has shape \(shape); an embedding is [vectors, width] or [width]")
        }
        let tensor = try archive.tensor(tensorName)
        let rows = shape.count == 2 ? shape[0] : 1
        let name = stem == "learned_embeds" ? (storedToken ?? stem) : stem
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("the embedding has no name to trigger it") }
        self.init(name: name, vectors: Tensor(shape: [rows, shape.last ?? 0], scalars: tensor.scalars),
                  path: url.path, shortHash: try Self.shortHash(of: url))
    }

    /// The first 12 hex digits of the SHA-256 of a file's bytes.
    static func shortHash(of url: URL) throws -> String {
        do { return String(try FileHash.sha256(of: url).prefix(12)) } catch let problem as FileProblem {
            throw ModelLoadingError(origin: url.path, problem: problem.problem)
        }
    }
}
