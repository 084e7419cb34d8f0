import Foundation
import RetouchSafetensors
import RetouchTensor

/// A PyTorch checkpoint (`.ckpt`, `.pt`, `.pth`, `.bin`) read as data, never run: `torch.save`'s zip form or its
/// legacy form, memory-mapped, with tensors converted to float32 on demand.
///
/// Opening interprets the whole pickle (`PickleMachine`): only the globals `torch.load(weights_only=True)` allows
/// for checkpoints are accepted, and any other is refused naming it. Every tensor's strided view is checked against
/// its storage, and every storage against the file, before any tensor is read.
///
/// Names follow AUTOMATIC1111 and diffusers: a top-level `state_dict` dict (LDM `.ckpt` files) is the checkpoint;
/// otherwise the top-level dict is. Nested dicts of tensors are flattened with dots, so an A1111 embedding's
/// `{"string_to_param": {"*": t}}` is `string_to_param.*`. Values that are not tensors (steps, names, token ids)
/// are skipped.
public final class PickleCheckpoint: TensorArchive, @unchecked Sendable {
    /// Elements converted (and checked for NaN/Inf) at a time.
    static let conversionBlock = 16_384

    /// The file's path.
    public let path: String
    /// Every tensor's shape, by name.
    public let shapes: [String: [Int]]
    /// Pickle checkpoints carry no string metadata.
    public let metadata: [String: String] = [:]
    /// Every tensor's stored element type, by name.
    public let dtypes: [String: TorchDType]

    private let mapping: MappedFile
    private let views: [String: (view: TensorView, dtype: TorchDType, storage: Range<Int>)]

    /// Opens the checkpoint at `url`.
    public convenience init(url: URL, limits: PickleLimits = PickleLimits()) throws { try self.init(path: url.path, limits: limits) }

    /// Opens the checkpoint at `path`.
    public convenience init(path: String, limits: PickleLimits = PickleLimits()) throws {
        let mapping: MappedFile
        do { mapping = try MappedFile(path: path) } catch let error as SafetensorsError {
            throw PickleError(file: path, problem: error.problem)
        }
        try self.init(mapping: mapping, path: path, limits: limits)
    }

    /// Reads checkpoint `contents` already in memory (copied), as if from a file named `path`.
    public convenience init(contents: UnsafeRawBufferPointer, path: String, limits: PickleLimits = PickleLimits()) throws {
        try self.init(mapping: MappedFile(copying: contents), path: path, limits: limits)
    }

    private init(mapping: MappedFile, path: String, limits: PickleLimits) throws {
        self.path = path
        self.mapping = mapping
        let layout: TorchArchiveLayout
        let names: [String: Int]
        do {
            layout = try TorchArchiveLayout(base: mapping.bytes, size: mapping.size, limits: limits)
            names = try PickleNames.tensors(in: layout.root, machine: layout.machine)
        } catch let problem as PickleProblem {
            throw PickleError(file: path, problem: problem.message)
        }
        var views: [String: (view: TensorView, dtype: TorchDType, storage: Range<Int>)] = [:]
        for (name, index) in names {
            let view = layout.machine.tensors[index]
            views[name] = (view, layout.machine.storages[view.storage].dtype, layout.storageRanges[view.storage])
        }
        self.views = views
        shapes = views.mapValues(\.view.shape)
        dtypes = views.mapValues(\.dtype)
    }

    /// The names of all tensors, sorted.
    public var tensorNames: [String] { shapes.keys.sorted() }

    /// Reads tensor `name` as float32, honouring its storage offset and strides; a NaN or Inf in a floating-point
    /// tensor is an error naming the file and tensor.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = views[name] else { throw PickleError(file: path, tensor: name, problem: "no such tensor in the file") }
        guard let base = mapping.bytes else { throw PickleError(file: path, problem: "file is empty") }
        let dtype = entry.dtype.safetensors
        let storage = base + entry.storage.lowerBound
        let view = entry.view
        let count = view.count
        let nonFinite = NonFiniteFlag()
        let checkFinite = dtype.isFloatingPoint
        let tensor = Tensor(shape: view.shape) { out in
            let out = out
            guard count > 0, let destinationBase = out.baseAddress else { return }
            if view.isContiguous {
                let source = storage + view.offset * dtype.byteSize
                Parallel.forRanges(count, costPerItem: 4) { range in
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let length = min(Self.conversionBlock, range.upperBound - start)
                        let destination = destinationBase + start
                        convertToFloat(dtype, source: source + start * dtype.byteSize, count: length, destination: destination)
                        if checkFinite, !allFinite(destination, count: length) { nonFinite.set() }
                        start += length
                    }
                }
            } else {
                Self.gather(view, dtype: dtype, storage: storage, into: destinationBase)
                if checkFinite, !allFinite(destinationBase, count: count) { nonFinite.set() }
            }
        }
        if view.isContiguous {
            let start = entry.storage.lowerBound + view.offset * dtype.byteSize
            mapping.release(start..<(start + count * dtype.byteSize))
        }
        if nonFinite.isSet {
            let index = tensor.scalars.firstIndex { !$0.isFinite } ?? 0
            let kind = tensor.scalars[index].isNaN ? "NaN" : "Inf"
            throw PickleError(file: path, tensor: name, problem: "holds \(kind) (first at element \(index) of \(count)); the weights are corrupt")
        }
        return tensor
    }

    /// Copies a strided view into row-major order, one innermost row at a time (every index was bounds-checked
    /// against the storage when the view was made).
    private static func gather(_ view: TensorView, dtype: SafetensorsDType, storage: UnsafeRawPointer,
                               into destination: UnsafeMutablePointer<Float>) {
        let rank = view.shape.count
        let rowLength = view.shape[rank - 1]
        let rowStride = view.strides[rank - 1]
        let rows = view.count / max(rowLength, 1)
        var index = [Int](repeating: 0, count: rank)
        var written = 0
        for _ in 0..<rows {
            var start = view.offset
            for d in 0..<(rank - 1) { start += index[d] * view.strides[d] }
            if rowStride == 1 {
                convertToFloat(dtype, source: storage + start * dtype.byteSize, count: rowLength, destination: destination + written)
            } else {
                for i in 0..<rowLength {
                    convertToFloat(dtype, source: storage + (start + i * rowStride) * dtype.byteSize, count: 1, destination: destination + written + i)
                }
            }
            written += rowLength
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < view.shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
