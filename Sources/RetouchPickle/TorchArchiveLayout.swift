/// Where a `torch.save` file keeps its pickle and storages: the zip form (`<archive>/data.pkl`,
/// `<archive>/data/<key>`, `<archive>/byteorder`) or the legacy form (five pickles, then the raw storages).
struct TorchArchiveLayout {
    /// The object the checkpoint pickled.
    let root: PickleValue
    /// The machine that built it, holding its containers, storages and tensors.
    let machine: PickleMachine
    /// The byte range of each storage in the file, by index into `machine.storages`.
    let storageRanges: [Range<Int>]

    /// Reads the `size` bytes at `base`, told apart by their first bytes.
    init(base: UnsafeRawPointer?, size: Int, limits: PickleLimits) throws {
        let first = size >= 4 ? Array(UnsafeRawBufferPointer(start: base, count: 4)) : []
        if first == [0x50, 0x4B, 0x03, 0x04] {
            self = try Self.zip(base: base, size: size, limits: limits)
        } else if first.first == 0x80 {
            self = try Self.legacy(base: base, size: size, limits: limits)
        } else {
            throw PickleProblem("is neither a PyTorch zip checkpoint nor a legacy torch.save pickle (first bytes \(first.map { String($0, radix: 16) }))")
        }
    }

    private init(root: PickleValue, machine: PickleMachine, storageRanges: [Range<Int>]) {
        self.root = root
        self.machine = machine
        self.storageRanges = storageRanges
    }

    /// The zip form: exactly one `<archive>/data.pkl`; storages in `<archive>/data/<key>`; `byteorder` little.
    private static func zip(base: UnsafeRawPointer?, size: Int, limits: PickleLimits) throws -> TorchArchiveLayout {
        let archive = try ZipArchive(base: base, size: size)
        let pickles = archive.entries.keys.filter { name in
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
        }
        guard pickles.count == 1, let pickleName = pickles.first, let pickle = archive.entries[pickleName] else {
            throw PickleProblem(pickles.isEmpty ? "is a zip without an '<archive>/data.pkl' entry, so not a PyTorch checkpoint"
                                : "is a zip with \(pickles.count) '<archive>/data.pkl' entries; a PyTorch checkpoint has one")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let order = archive.entries[prefix + "byteorder"] {
            let text = String(decoding: UnsafeRawBufferPointer(start: base.map { $0 + order.dataRange.lowerBound }, count: order.dataRange.count), as: UTF8.self)
            guard text.trimmingWhitespace == "little" else {
                throw PickleProblem("stores its tensors \(text.trimmingWhitespace.prefix(16))-endian ('\(prefix)byteorder'); Retouch reads little-endian checkpoints only")
            }
        }
        var machine = PickleMachine(limits: limits)
        var reader = ByteReader(base: base, start: pickle.dataRange.lowerBound, end: pickle.dataRange.upperBound, what: pickleName)
        let root = try machine.run(&reader)
        let ranges = try machine.storages.map { storage -> Range<Int> in
            let name = prefix + "data/" + storage.key
            guard let entry = archive.entries[name] ?? archive.entries[prefix + ".data/" + storage.key] else {
                throw PickleProblem("names storage '\(storage.key)', but the zip has no entry '\(name)'")
            }
            let bytes = storage.count * storage.dtype.byteSize
            guard bytes <= entry.dataRange.count else {
                throw PickleProblem("storage '\(name)' holds \(entry.dataRange.count) bytes, fewer than its \(storage.count) \(storage.dtype.rawValue) elements need")
            }
            return entry.dataRange.lowerBound..<(entry.dataRange.lowerBound + bytes)
        }
        return TorchArchiveLayout(root: root, machine: machine, storageRanges: ranges)
    }

    /// torch's legacy magic number, 0x1950a86a20f9469cfc6c, as little-endian bytes.
    private static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// The legacy form (`_use_new_zipfile_serialization=False`): pickles of the magic number, the protocol version
    /// and the system info (little-endian required), the object, the list of storage keys; then each storage in
    /// key order as an 8-byte little-endian element count followed by its elements.
    private static func legacy(base: UnsafeRawPointer?, size: Int, limits: PickleLimits) throws -> TorchArchiveLayout {
        var reader = ByteReader(base: base, start: 0, end: size, what: "the pickle")
        var machine = PickleMachine(limits: limits)
        guard case .bigInt(let magic) = try machine.run(&reader), magic == legacyMagic else {
            throw PickleProblem("is a pickle but not a torch.save file (it does not start with torch's magic number)")
        }
        guard case .int = try machine.run(&reader) else { throw PickleProblem("has no torch.save protocol version after the magic number") }
        guard case .dict(let info) = try machine.run(&reader) else { throw PickleProblem("has no torch.save system information") }
        if case .bool(false)? = machine.heap.dicts[info].value("little_endian") {
            throw PickleProblem("was saved on a big-endian machine; Retouch reads little-endian checkpoints only")
        }
        let root = try machine.run(&reader)
        // (Two statements: `machine.items(machine.run(…))` would read the machine as it was before the run.)
        let keyList = try machine.run(&reader)
        let keys = try machine.items(keyList, "the storage key list")
        var ranges = [Range<Int>?](repeating: nil, count: machine.storages.count)
        let indexByKey = Dictionary(machine.storages.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        for keyValue in keys {
            guard case .string(let key) = keyValue else { throw PickleProblem("lists a storage key that is a \(keyValue.kind)") }
            guard let index = indexByKey[key] else { throw PickleProblem("lists storage key '\(key)', which no tensor uses (known: \(indexByKey.keys.sorted().prefix(4)))") }
            let storage = machine.storages[index]
            let stored = try reader.uint64()
            guard stored <= UInt64(Int.max / 8), Int(stored) >= storage.count else {
                throw PickleProblem("stores \(stored) elements for storage '\(key)', which needs \(storage.count)")
            }
            let bytes = Int(stored) * storage.dtype.byteSize
            guard bytes <= reader.remaining else {
                throw PickleProblem("is truncated: storage '\(key)' needs \(bytes) bytes at offset \(reader.offset), \(reader.remaining) left")
            }
            ranges[index] = reader.offset..<(reader.offset + storage.count * storage.dtype.byteSize)
            try reader.seek(reader.offset + bytes)
        }
        let resolved = try ranges.enumerated().map { index, range -> Range<Int> in
            guard let range else { throw PickleProblem("uses storage '\(machine.storages[index].key)', which the file does not hold") }
            return range
        }
        return TorchArchiveLayout(root: root, machine: machine, storageRanges: resolved)
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
