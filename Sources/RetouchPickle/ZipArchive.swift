/// One stored entry of a zip archive: its name and where its bytes lie in the file.
struct ZipEntry: Equatable {
    /// The entry's name (`archive/data.pkl`).
    let name: String
    /// The entry's bytes, as offsets into the file.
    let dataRange: Range<Int>
}

/// The entries of a zip archive as `torch.save` writes it (PyTorch's miniz-based writer, or any zip tool that stores).
///
/// Read from the central directory, with ZIP64 end-of-central-directory records and ZIP64 extra fields. Only
/// stored (uncompressed, unencrypted) entries are accepted, since PyTorch memory-maps tensor data in place; every
/// entry's local header must agree with its central name and lie, with its data, inside the file and before the
/// central directory, and no two entries may overlap. Any violation is refused, naming the entry.
struct ZipArchive {
    /// Entries by name.
    let entries: [String: ZipEntry]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50
    /// The most entries accepted (a Stable Diffusion checkpoint with EMA weights has a few thousand).
    static let maxEntries = 1_000_000

    /// Reads the central directory of the `size` bytes at `base`.
    init(base: UnsafeRawPointer?, size: Int) throws {
        var reader = ByteReader(base: base, start: 0, end: size, what: "the zip archive")
        let end = try Self.findEnd(&reader, size: size)
        try reader.seek(end + 10)
        var count = UInt64(try reader.uint16())
        var directorySize = UInt64(try reader.uint32())
        var directoryOffset = UInt64(try reader.uint32())
        // A ZIP64 locator sits just before the classic record; when present its record holds the real figures.
        if end >= 20 {
            try reader.seek(end - 20)
            if try reader.uint32() == Self.zip64LocatorSignature {
                _ = try reader.uint32()
                let recordOffset = try reader.uint64()
                guard recordOffset <= UInt64(end - 20) else {
                    throw PickleProblem("the zip archive's ZIP64 end record offset \(recordOffset) is out of bounds")
                }
                try reader.seek(Int(recordOffset))
                guard try reader.uint32() == Self.zip64EndSignature else {
                    throw PickleProblem("the zip archive's ZIP64 end record is missing at offset \(recordOffset)")
                }
                try reader.seek(Int(recordOffset) + 32)
                count = try reader.uint64()
                directorySize = try reader.uint64()
                directoryOffset = try reader.uint64()
            }
        }
        guard directoryOffset <= UInt64(size), directorySize <= UInt64(size) - directoryOffset else {
            throw PickleProblem("the zip archive's central directory (offset \(directoryOffset), \(directorySize) bytes) runs past the end of the \(size)-byte file")
        }
        guard count <= directorySize / 46, count <= UInt64(Self.maxEntries) else {
            throw PickleProblem("the zip archive claims \(count) entries, more than its \(directorySize)-byte central directory can hold")
        }
        let directoryStart = Int(directoryOffset)
        var directory = ByteReader(base: base, start: directoryStart, end: directoryStart + Int(directorySize),
                                   what: "the zip central directory")
        var entries: [String: ZipEntry] = [:]
        var spans: [(range: Range<Int>, name: String)] = []
        for _ in 0..<Int(count) {
            let (entry, span) = try Self.readEntry(&directory, file: &reader, directoryStart: directoryStart)
            guard entries[entry.name] == nil else { throw PickleProblem("the zip archive holds entry '\(entry.name)' twice") }
            entries[entry.name] = entry
            spans.append((span, entry.name))
        }
        spans.sort { $0.range.lowerBound < $1.range.lowerBound }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.range.lowerBound < previous.range.upperBound {
            throw PickleProblem("zip entry '\(next.name)' overlaps entry '\(previous.name)'")
        }
        self.entries = entries
    }

    /// The offset of the end-of-central-directory record: the last signature whose comment ends the file.
    private static func findEnd(_ reader: inout ByteReader, size: Int) throws -> Int {
        guard size >= 22 else { throw PickleProblem("the zip archive is \(size) bytes, too short for an end-of-central-directory record") }
        var position = size - 22
        let lowest = max(0, size - 22 - 65_535)
        while position >= lowest {
            try reader.seek(position)
            if try reader.uint32() == endSignature {
                try reader.seek(position + 20)
                if Int(try reader.uint16()) == size - position - 22 { return position }
            }
            position -= 1
        }
        throw PickleProblem("the zip archive has no end-of-central-directory record (truncated or not a zip)")
    }

    /// One central-directory entry, checked against its local header; returns it and the bytes it spans.
    private static func readEntry(_ directory: inout ByteReader, file: inout ByteReader,
                                  directoryStart: Int) throws -> (ZipEntry, Range<Int>) {
        guard try directory.uint32() == centralSignature else {
            throw PickleProblem("the zip central directory is corrupt at offset \(directory.offset - 4)")
        }
        _ = try directory.uint32()  // versions made by / needed
        let flags = try directory.uint16()
        let method = try directory.uint16()
        _ = try directory.uint32()  // time, date
        _ = try directory.uint32()  // crc-32
        var compressedSize = UInt64(try directory.uint32())
        var size = UInt64(try directory.uint32())
        let nameLength = Int(try directory.uint16())
        let extraLength = Int(try directory.uint16())
        let commentLength = Int(try directory.uint16())
        _ = try directory.uint16()  // disk
        _ = try directory.uint16()  // internal attributes
        _ = try directory.uint32()  // external attributes
        var localOffset = UInt64(try directory.uint32())
        let nameBytes = try directory.bytes(nameLength)
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard Array(name.utf8) == nameBytes else {
            throw PickleProblem("a zip entry name is not valid UTF-8")
        }
        var extra = ByteReader(base: directory.base, start: directory.offset, end: directory.offset + extraLength, what: "zip entry '\(name)' extra field")
        guard extraLength <= directory.remaining else { throw PickleProblem("zip entry '\(name)': the extra field runs past the central directory") }
        while extra.remaining >= 4 {
            let id = try extra.uint16()
            let length = Int(try extra.uint16())
            let fieldEnd = extra.offset + length
            guard length <= extra.remaining else { throw PickleProblem("zip entry '\(name)': an extra field runs past its end") }
            if id == 0x0001 {  // ZIP64: 8-byte values for the 32-bit fields that hold 0xFFFFFFFF, in this order
                if size == 0xFFFF_FFFF, extra.offset + 8 <= fieldEnd { size = try extra.uint64() }
                if compressedSize == 0xFFFF_FFFF, extra.offset + 8 <= fieldEnd { compressedSize = try extra.uint64() }
                if localOffset == 0xFFFF_FFFF, extra.offset + 8 <= fieldEnd { localOffset = try extra.uint64() }
            }
            try extra.seek(fieldEnd)
        }
        _ = try directory.bytes(extraLength)
        _ = try directory.bytes(commentLength)
        guard flags & 0x0001 == 0 else { throw PickleProblem("zip entry '\(name)' is encrypted, which Retouch does not read") }
        guard method == 0, compressedSize == size else {
            throw PickleProblem("zip entry '\(name)' is compressed (method \(method)); torch.save stores entries uncompressed, and Retouch reads only those")
        }
        guard localOffset <= UInt64(directoryStart) else {
            throw PickleProblem("zip entry '\(name)': its local header offset \(localOffset) lies past the central directory")
        }
        try file.seek(Int(localOffset))
        guard try file.uint32() == localSignature else { throw PickleProblem("zip entry '\(name)': no local header at offset \(localOffset)") }
        try file.seek(Int(localOffset) + 26)
        let localNameLength = Int(try file.uint16())
        let localExtraLength = Int(try file.uint16())
        guard try file.bytes(localNameLength) == nameBytes else {
            throw PickleProblem("zip entry '\(name)': its local header names another entry")
        }
        let dataStart = file.offset + localExtraLength
        guard size <= UInt64(directoryStart), dataStart <= directoryStart - Int(size) else {
            throw PickleProblem("zip entry '\(name)' (\(size) bytes at offset \(dataStart)) runs past the start of the central directory")
        }
        let dataRange = dataStart..<(dataStart + Int(size))
        return (ZipEntry(name: name, dataRange: dataRange), Int(localOffset)..<dataRange.upperBound)
    }
}
