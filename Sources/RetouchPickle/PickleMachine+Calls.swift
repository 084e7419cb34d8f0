/// The calls a pickle may make (`REDUCE`, `NEWOBJ`, `INST`, `OBJ`), each interpreted by Retouch as a data
/// constructor for an allowed global, and `BINPERSID`'s storage records.
extension PickleMachine {
    /// The most dimensions a tensor may have.
    static let maxRank = 32

    /// The elements of a tuple (or list) value.
    func items(_ value: PickleValue, _ what: String) throws -> [PickleValue] {
        switch value {
        case .tuple(let index): return heap.tuples[index]
        case .list(let index): return heap.lists[index]
        default: throw PickleProblem("\(what) is a \(value.kind), not a tuple")
        }
    }

    private func integer(_ value: PickleValue, _ what: String) throws -> Int {
        switch value {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        default: throw PickleProblem("\(what) is a \(value.kind), not an integer")
        }
    }

    private func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        let values = try items(value, what)
        guard values.count <= Self.maxRank else { throw PickleProblem("\(what) has \(values.count) dimensions, more than \(Self.maxRank)") }
        return try values.map { try integer($0, what) }
    }

    /// Calls allowed global `callable` with the tuple `arguments`.
    mutating func call(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable else { throw PickleProblem("calls a \(callable.kind), which is not an allowed type") }
        let arguments = try items(arguments, "the argument list")
        func expect(_ counts: ClosedRange<Int>, _ name: String) throws {
            guard counts.contains(arguments.count) else {
                throw PickleProblem("calls \(name) with \(arguments.count) arguments (expected \(counts.lowerBound)…\(counts.upperBound))")
            }
        }
        switch global {
        case .orderedDict:
            try expect(0...1, "collections.OrderedDict")
            var pairs: [PickleValue] = []
            if let source = arguments.first {
                if case .dict(let index) = source {
                    for (key, value) in zip(heap.dicts[index].keys, heap.dicts[index].values) { pairs += [key, value] }
                } else {
                    for pair in try items(source, "an OrderedDict item list") {
                        let both = try items(pair, "an OrderedDict item")
                        guard both.count == 2 else { throw PickleProblem("an OrderedDict item has \(both.count) parts, not 2") }
                        pairs += both
                    }
                }
            }
            return try makeDict(pairs)
        case .rebuildTensorV2:
            try expect(6...7, "torch._utils._rebuild_tensor_v2")
            return try rebuildTensor(arguments)
        case .rebuildParameter, .rebuildParameterWithState:
            try expect(global == .rebuildParameter ? 3...3 : 4...4, "torch._utils._rebuild_parameter")
            guard case .tensor = arguments[0] else { throw PickleProblem("rebuilds a parameter from a \(arguments[0].kind), not a tensor") }
            return arguments[0]
        case .size:
            try expect(0...1, "torch.Size")
            return try makeTuple(arguments.first.map { try integers($0, "torch.Size").map(PickleValue.int) } ?? [])
        case .device:
            try expect(1...2, "torch.device")
            guard case .string(let type) = arguments[0] else { throw PickleProblem("names a device with a \(arguments[0].kind)") }
            return .string(type)
        case .set, .frozenset:
            try expect(0...1, "set")
            guard let source = arguments.first else { return try makeSet([]) }
            if case .set(let index) = source { return try makeSet(heap.sets[index]) }
            return try makeSet(items(source, "a set's items"))
        case .bytearray:
            try expect(0...1, "bytearray")
            guard let source = arguments.first else { return .bytes([]) }
            guard case .bytes = source else { throw PickleProblem("makes a bytearray from a \(source.kind)") }
            return source
        case .codecsEncode:
            try expect(2...2, "_codecs.encode")
            guard case .string(let text) = arguments[0], case .string(let encoding) = arguments[1],
                  ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
                throw PickleProblem("calls _codecs.encode other than on a string with 'latin1'")
            }
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { throw PickleProblem("calls _codecs.encode on text outside Latin-1") }
                bytes.append(UInt8(scalar.value))
            }
            return .bytes(bytes)
        case .storageType(let dtype):
            throw PickleProblem("calls torch.\(dtype.rawValue) directly, which torch.save never writes")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`: a view
    /// whose every element lies inside the storage, checked here without overflow.
    private mutating func rebuildTensor(_ arguments: [PickleValue]) throws -> PickleValue {
        guard case .storage(let storage) = arguments[0] else { throw PickleProblem("rebuilds a tensor from a \(arguments[0].kind), not a storage") }
        let offset = try integer(arguments[1], "the storage offset")
        let shape = try integers(arguments[2], "the tensor size")
        let strides = try integers(arguments[3], "the tensor stride")
        guard shape.count == strides.count else { throw PickleProblem("gives \(shape.count) sizes but \(strides.count) strides") }
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw PickleProblem("gives a negative offset, size or stride (offset \(offset), size \(shape), stride \(strides))")
        }
        let available = storages[storage].count
        var count = 1
        var last = offset
        var overflow = false
        for (size, stride) in zip(shape, strides) {
            (count, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { break }
            if size > 0 {
                let (span, spanOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, sumOverflow) = last.addingReportingOverflow(span)
                overflow = spanOverflow || sumOverflow
                guard !overflow else { break }
                last = sum
            }
        }
        guard !overflow else { throw PickleProblem("describes a tensor of size \(shape) and stride \(strides) too large to address") }
        if count > 0, last >= available {
            throw PickleProblem("describes a tensor (offset \(offset), size \(shape), stride \(strides)) reaching element \(last) of a \(available)-element storage")
        }
        guard count <= max(available, 1) || count == 0 else {
            throw PickleProblem("describes a tensor of \(count) elements over a \(available)-element storage (broadcast strides), which checkpoints do not hold")
        }
        tensors.append(TensorView(storage: storage, offset: offset, shape: shape, strides: strides))
        return .tensor(tensors.count - 1)
    }

    /// `BINPERSID` on `('storage', torch.XStorage, key, location, numel)` (the legacy format adds a view record,
    /// which must be None): a storage record, the same one for every reference to the key.
    mutating func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        let parts = try items(id, "the persistent id")
        guard parts.count == 5 || parts.count == 6, case .string("storage") = parts[0] else {
            throw PickleProblem("has a persistent id that is not a ('storage', type, key, location, size) record")
        }
        guard case .global(.storageType(let dtype)) = parts[1] else {
            throw PickleProblem("names a storage of a \(parts[1].kind), not one of torch's storage types")
        }
        let key: String
        switch parts[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw PickleProblem("names a storage by a \(parts[2].kind)")
        }
        let count = try integer(parts[4], "the storage size")
        guard count >= 0, count <= Int.max / 8 else { throw PickleProblem("gives storage '\(key)' a size of \(count) elements") }
        if parts.count == 6, case .none = parts[5] {} else if parts.count == 6 {
            throw PickleProblem("uses a legacy storage view, which Retouch does not read")
        }
        let record = StorageRecord(key: key, dtype: dtype, count: count)
        if let existing = storageIndex[key] {
            guard storages[existing] == record else {
                throw PickleProblem("names storage '\(key)' twice with different types or sizes")
            }
            return .storage(existing)
        }
        storages.append(record)
        storageIndex[key] = storages.count - 1
        return .storage(storages.count - 1)
    }
}
