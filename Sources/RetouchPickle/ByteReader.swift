/// A cursor over bytes in memory whose every read is checked against the end: a read past it throws, so no
/// offset taken from a file is ever used unchecked (release builds run with `-Ounchecked`).
struct ByteReader {
    /// The first byte (nil when empty).
    let base: UnsafeRawPointer?
    /// One past the last readable offset.
    let end: Int
    /// The next offset to read.
    private(set) var offset: Int
    /// What the bytes are, for error messages ("data.pkl", "the zip central directory").
    let what: String

    /// Reads `base[start..<end]`; the caller guarantees that range is inside the buffer.
    init(base: UnsafeRawPointer?, start: Int, end: Int, what: String) {
        self.base = base
        self.offset = start
        self.end = base == nil ? start : end
        self.what = what
    }

    /// Bytes left.
    var remaining: Int { end - offset }
    /// Whether every byte was read.
    var isAtEnd: Bool { offset >= end }

    private func truncated(_ wanted: Int) -> PickleProblem {
        PickleProblem("\(what) is truncated: \(wanted) bytes wanted at offset \(offset), \(max(0, remaining)) left")
    }

    /// Moves to `position`, which must lie within the bytes.
    mutating func seek(_ position: Int) throws {
        guard let _ = base, position >= 0, position <= end else { throw PickleProblem("\(what): offset \(position) is out of bounds") }
        offset = position
    }

    /// Checks that `count` bytes can be read and returns their start.
    private mutating func take(_ count: Int) throws -> UnsafeRawPointer {
        guard count >= 0, count <= remaining, let base else { throw truncated(count) }
        let start = base + offset
        offset += count
        return start
    }

    mutating func byte() throws -> UInt8 { try take(1).load(as: UInt8.self) }
    mutating func uint16() throws -> UInt16 { UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self)) }
    mutating func uint32() throws -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    mutating func uint64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
    mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }
    /// An 8-byte big-endian IEEE double (pickle's BINFLOAT).
    mutating func bigEndianDouble() throws -> Double {
        Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self)))
    }

    /// `count` bytes, copied; `count` comes from the file, so it is checked before anything is allocated.
    mutating func bytes(_ count: Int) throws -> [UInt8] {
        let start = try take(count)
        return [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    }

    /// A length read from the file as an unsigned 64-bit number, refused when more than `limit` or than the bytes left.
    mutating func length(_ raw: UInt64, limit: Int) throws -> Int {
        guard raw <= UInt64(limit) else { throw PickleProblem("\(what): a length of \(raw) bytes at offset \(offset) exceeds the \(limit)-byte limit") }
        guard Int(raw) <= remaining else { throw truncated(Int(raw)) }
        return Int(raw)
    }

    /// The bytes up to the next newline (which is consumed, not returned), at most `limit` long.
    mutating func line(limit: Int) throws -> [UInt8] {
        guard let base else { throw truncated(1) }
        var index = offset
        while index < end, base.load(fromByteOffset: index, as: UInt8.self) != 0x0A {
            index += 1
            guard index - offset <= limit else { throw PickleProblem("\(what): a text line at offset \(offset) is longer than \(limit) bytes") }
        }
        guard index < end else { throw PickleProblem("\(what) is truncated: a text line at offset \(offset) has no end") }
        let line = [UInt8](UnsafeRawBufferPointer(start: base + offset, count: index - offset))
        offset = index + 1
        return line
    }
}
