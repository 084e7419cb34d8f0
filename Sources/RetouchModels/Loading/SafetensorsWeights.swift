import Foundation
import RetouchSafetensors
import RetouchTensor
import RetouchChecks

/// Weights from one or more safetensors files (several for sharded checkpoints), read on demand.
public struct SafetensorsWeights: WeightSource {
    private let files: [SafetensorsFile]
    private let fileForName: [String: Int]
    /// The file (or first shard) path.
    public let origin: String

    /// Opens and validates every file; a tensor name present in two files is an error.
    public init(urls: [URL]) throws {
        require(!urls.isEmpty, "SafetensorsWeights needs at least one file")
        files = try urls.map { try SafetensorsFile(url: $0) }
        var map: [String: Int] = [:]
        for (index, file) in files.enumerated() {
            for name in file.entries.keys {
                if let other = map[name] {
                    throw ModelLoadingError(origin: file.path, key: name, problem: "also present in \(files[other].path)")
                }
                map[name] = index
            }
        }
        fileForName = map
        origin = urls.count == 1 ? urls[0].path : "\(urls[0].deletingLastPathComponent().path) (\(urls.count) shards)"
    }

    public var tensorNames: Set<String> { Set(fileForName.keys) }

    public func shape(of name: String) -> [Int]? {
        fileForName[name].flatMap { files[$0].entries[name]?.shape }
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let index = fileForName[name] else {
            throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint")
        }
        return try files[index].tensor(name)
    }
}
