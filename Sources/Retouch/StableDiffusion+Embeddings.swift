import Foundation
import RetouchModels
import RetouchTensor
import RetouchTokenizer

extension StableDiffusion {
    /// The file extensions read from an embeddings folder (as AUTOMATIC1111; its PNG embeddings are not read).
    public static let embeddingExtensions: Set<String> = ["pt", "bin", "safetensors"]

    /// A copy of the model that knows `explicit` embedding files, and those files in `folder` whose stem appears as a
    /// word in one of `prompts` (AUTOMATIC1111's embeddings folder). Only triggered folder files are read, so a
    /// folder may hold embeddings for other models; an embedding that is read must match the text encoder's width.
    public func addingEmbeddings(files explicit: [URL], folder: URL?, prompts: [String]) throws -> StableDiffusion {
        var urls = explicit
        if let folder {
            let listing: [URL]
            do {
                listing = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            } catch {
                throw ModelLoadingError(origin: folder.path, problem: "the embeddings folder cannot be read (\(error.localizedDescription))")
            }
            let promptIDs = prompts.map { tokenizer.encode($0) }
            for url in listing.sorted(by: { $0.lastPathComponent < $1.lastPathComponent })
            where Self.embeddingExtensions.contains(url.pathExtension.lowercased()) {
                let trigger = tokenizer.encode(url.deletingPathExtension().lastPathComponent)
                guard !trigger.isEmpty, promptIDs.contains(where: { Self.contains($0, trigger) }) else { continue }
                if !urls.contains(where: { $0.standardizedFileURL == url.standardizedFileURL }) { urls.append(url) }
            }
        }
        return try addingEmbeddings(urls.map { try TextualInversion(url: $0) })
    }

    /// A copy of the model whose tokenizer and text encoder know `embeddings` (ids from the vocabulary size up, in
    /// order). An embedding of another width (an SD 2.x embedding on SD 1.x) is an error naming its file.
    public func addingEmbeddings(_ embeddings: [TextualInversion]) throws -> StableDiffusion {
        guard !embeddings.isEmpty else { return self }
        let hidden = textEncoderSlot.value.config.hiddenSize
        for embedding in embeddings where embedding.width != hidden {
            let kind = [768: " (SD 1.x)", 1024: " (SD 2.x)"]
            throw ModelLoadingError(origin: embedding.path, problem: "the embedding's vectors are \(embedding.width) wide\(kind[embedding.width] ?? "") " +
                                    "but this model's text encoder is \(hidden) wide\(kind[hidden] ?? ""); it was made for another model")
        }
        var copy = self
        do {
            copy.tokenizer = try tokenizer.addingEmbeddings(embeddings.map { ($0.name, $0.vectorCount) })
        } catch let error as TokenizerError {
            let path = embeddings.first { $0.name == error.file }?.path ?? error.file
            throw ModelLoadingError(origin: path, problem: error.problem)
        }
        copy.embeddings = self.embeddings + embeddings
        let rows = copy.embeddings.flatMap(\.vectors.scalars)
        copy.addedTokenRows = Tensor(shape: [rows.count / hidden, hidden], scalars: rows)
        return copy
    }

    /// The embeddings a prompt or negative prompt uses, in order of first use.
    public func embeddingsUsed(prompt: String, negativePrompt: String, options: TokenizeOptions = .init()) -> [TextualInversion] {
        guard !embeddings.isEmpty else { return [] }
        let ids = [prompt, negativePrompt].flatMap { tokenizer.tokenize(LoRATag.stripped($0), options: options).chunks.flatMap { $0 } }
        return tokenizer.embeddingsUsed(in: ids).compactMap { name in embeddings.first { $0.name == name } }
    }

    /// AUTOMATIC1111's `TI hashes` infotext value for `embeddings`: `"name: hash, name: hash"` (quoted), or nil.
    public static func tiHashes(_ embeddings: [TextualInversion]) -> String? {
        embeddings.isEmpty ? nil : "\"" + embeddings.map { "\($0.name): \($0.shortHash)" }.joined(separator: ", ") + "\""
    }

    private static func contains(_ ids: [Int], _ run: [Int]) -> Bool {
        guard run.count <= ids.count else { return false }
        return (0...(ids.count - run.count)).contains { ids[$0..<($0 + run.count)].elementsEqual(run) }
    }
}
