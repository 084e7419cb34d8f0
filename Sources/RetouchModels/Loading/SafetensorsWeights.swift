import Foundation
import RetouchSafetensors
import RetouchTensor
import RetouchChecks

/// Weights from one or more tensor files (several for sharded checkpoints), read on demand.
public struct SafetensorsWeights: WeightSource {
    private let files: [any TensorArchive]
    private let fileForName: [String: Int]
    private let shapes: [String: [Int]]
    /// The files, in shard order.
    public var fileURLs: [URL] { files.map { URL(fileURLWithPath: $0.path) } }
    /// The file (or first shard) path.
    public let origin: String

    /// Opens and validates every file (any format `TensorArchives` reads); a tensor name present in two files is an error.
    public init(urls: [URL]) throws {
        require(!urls.isEmpty, "SafetensorsWeights needs at least one file")
        try self.init(archives: urls.map { try TensorArchives.open($0) })
    }

    /// Weights over files already open; a tensor name present in two files is an error.
    public init(archives: [any TensorArchive]) throws {
        require(!archives.isEmpty, "SafetensorsWeights needs at least one file")
        files = archives
        var map: [String: Int] = [:]
        var shapes: [String: [Int]] = [:]
        for (index, file) in files.enumerated() {
            for (name, shape) in file.shapes {
                shapes[name] = shape
                if let other = map[name] {
                    throw ModelLoadingError(origin: file.path, key: name, problem: "also present in \(files[other].path)")
                }
                map[name] = index
            }
        }
        fileForName = map
        self.shapes = shapes
        let first = URL(fileURLWithPath: archives[0].path)
        origin = archives.count == 1 ? first.path : "\(first.deletingLastPathComponent().path) (\(archives.count) shards)"
    }

    public var tensorNames: Set<String> { Set(fileForName.keys) }

    public func shape(of name: String) -> [Int]? {
        shapes[name]
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let index = fileForName[name] else {
            throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint")
        }
        return try files[index].tensor(name)
    }
}
