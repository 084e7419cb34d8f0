import Foundation
import RetouchTensor
#if canImport(Glibc)
import Glibc
#endif

/// Where one tensor lives in a safetensors file.
public struct SafetensorsEntry: Sendable, Equatable {
    /// The tensor's name in the header.
    public let name: String
    /// The stored element type.
    public let dtype: SafetensorsDType
    /// The tensor's shape.
    public let shape: [Int]
    /// Byte range relative to the start of the data section.
    public let byteRange: Range<Int>

    /// The number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped, fully validated safetensors file.
///
/// Opening checks the whole header before any tensor is read: the header length lies inside the file and is at
/// most `maxHeaderBytes`; the header is a JSON object; every entry has a known dtype, a non-negative shape and
/// in-bounds `data_offsets` whose length equals `shape × dtype size`; no two entries overlap. Tensors are
/// converted to float32 on demand, straight from the mapping into the result, and the mapped pages are released
/// afterwards so a checkpoint is held once, as float32.
public final class SafetensorsFile: @unchecked Sendable {
    /// Elements converted (and checked for NaN/Inf) at a time.
    static let conversionBlock = 16_384

    /// The largest header accepted (100 MB), as the reference implementation limits it.
    public static let maxHeaderBytes = 100_000_000

    /// The file's path.
    public let path: String
    /// Entries by tensor name.
    public let entries: [String: SafetensorsEntry]
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]

    private let mapping: MappedFile
    private let dataStart: Int

    /// Opens and validates the file at `url`.
    public convenience init(url: URL) throws { try self.init(path: url.path) }

    /// Opens and validates the file at `path`.
    public convenience init(path: String) throws { try self.init(mapping: MappedFile(path: path), path: path) }

    /// Validates safetensors `contents` already in memory (copied), as if read from a file named `path`.
    public convenience init(contents: UnsafeRawBufferPointer, path: String) throws {
        try self.init(mapping: MappedFile(copying: contents), path: path)
    }

    private init(mapping: MappedFile, path: String) throws {
        self.path = path
        self.mapping = mapping
        func fail(_ problem: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: path, tensor: tensor, problem: problem)
        }
        guard mapping.size >= 8, let base = mapping.bytes else {
            throw fail("file is \(mapping.size) bytes, too short for a safetensors header length")
        }
        let headerLength = base.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw fail("header length \(headerLength) exceeds the \(Self.maxHeaderBytes)-byte limit")
        }
        guard 8 + Int(headerLength) <= mapping.size else {
            throw fail("header length \(headerLength) runs past the end of the \(mapping.size)-byte file")
        }
        dataStart = 8 + Int(headerLength)
        let dataSize = mapping.size - dataStart
        let headerBytes = Data(bytes: base + 8, count: Int(headerLength))
        let header: SafetensorsHeader
        do {
            guard headerBytes.first == UInt8(ascii: "{") else { throw fail("header is not a JSON object") }
            header = try JSONDecoder().decode(SafetensorsHeader.self, from: headerBytes)
        } catch let error as SafetensorsError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw fail("header is not valid JSON")
        } catch let error as DecodingError {
            throw fail(SafetensorsHeader.describe(error), tensor: SafetensorsHeader.tensorName(in: error))
        }
        if let duplicate = HeaderKeyScanner.firstDuplicateKey(in: headerBytes) {
            throw fail("appears more than once in the header (Python's json would keep the last entry, Retouch the first); " +
                       "a tensor name must be unique", tensor: duplicate)
        }
        metadata = header.metadata
        var entries: [String: SafetensorsEntry] = [:]
        for (name, raw) in header.entries {
            entries[name] = try Self.validate(name: name, raw: raw, dataSize: dataSize) { fail($0, tensor: name) }
        }
        let ordered = entries.values.sorted { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw fail("data_offsets \(next.byteRange) overlap tensor '\(previous.name)' at \(previous.byteRange)",
                       tensor: next.name)
        }
        self.entries = entries
    }

    private static func validate(name: String, raw: SafetensorsHeader.RawEntry, dataSize: Int,
                                 fail: (String) -> SafetensorsError) throws -> SafetensorsEntry {
        guard let dtype = SafetensorsDType(rawValue: raw.dtype) else {
            throw fail("unsupported dtype '\(raw.dtype)' (expected one of \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shape = integers(raw.shape) else { throw fail("shape \(raw.shape) must be a list of integers") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(shape) has a negative dimension") }
        guard let offsets = integers(raw.dataOffsets), offsets.count == 2 else {
            throw fail("data_offsets must be two integers, got \(raw.dataOffsets)")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else { throw fail("data_offsets [\(begin), \(end)] are not an ordered range") }
        guard end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] run past the end of the \(dataSize)-byte data section")
        }
        var elements = 1
        var overflow = false
        for dimension in shape where !overflow {
            (elements, overflow) = elements.multipliedReportingOverflow(by: dimension)
        }
        var expected = 0
        if !overflow { (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize) }
        guard !overflow, expected == end - begin else {
            throw fail("byte size \(end - begin) does not match shape \(shape) of \(raw.dtype) (\(overflow ? "too large" : "\(expected) bytes"))")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// The values as integers, or nil if any is fractional or beyond ±2^53.
    private static func integers(_ values: [Double]) -> [Int]? {
        let limit = 9_007_199_254_740_992.0
        guard values.allSatisfy({ $0 == $0.rounded() && abs($0) <= limit }) else { return nil }
        return values.map { Int($0) }
    }

    /// The names of all tensors, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// Whether a tensor of this name exists.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// Reads tensor `name` as float32, converting from its stored dtype; a NaN or Inf is an error naming the file and
    /// tensor.
    ///
    /// - Parameter releasePages: drop the tensor's mapped pages from memory afterwards (default), so loading a
    ///   checkpoint never holds both the stored bytes and the float32 copy of every weight.
    /// - Parameter checkFinite: refuse a floating-point tensor holding NaN or ±Inf (default), checked in the same
    ///   pass as the conversion.
    public func tensor(_ name: String, releasePages: Bool = true, checkFinite: Bool = true) throws -> Tensor {
        guard let entry = entries[name] else {
            throw SafetensorsError(file: path, tensor: name, problem: "no such tensor in the file")
        }
        guard let base = mapping.bytes else { throw SafetensorsError(file: path, problem: "file is empty") }
        let source = base + dataStart + entry.byteRange.lowerBound
        let count = entry.elementCount
        let canHoldNonFinite = entry.dtype.isFloatingPoint && checkFinite
        let nonFinite = NonFiniteFlag()
        let tensor = Tensor(shape: entry.shape) { out in
            let out = out
            Parallel.forRanges(count, costPerItem: 4) { range in
                // Blocks of 16 Ki elements (64 KiB of float32): each is checked right after it is converted, while it
                // is still in the L1/L2 cache, so the check costs no second trip through memory.
                var start = range.lowerBound
                while start < range.upperBound {
                    let length = min(Self.conversionBlock, range.upperBound - start)
                    let destination = out.baseAddress! + start
                    convertToFloat(entry.dtype, source: source + start * entry.dtype.byteSize, count: length, destination: destination)
                    if canHoldNonFinite, !allFinite(destination, count: length) { nonFinite.set() }
                    start += length
                }
            }
        }
        if releasePages { release(entry) }
        if nonFinite.isSet {
            let index = tensor.scalars.firstIndex { !$0.isFinite } ?? 0
            let kind = tensor.scalars[index].isNaN ? "NaN" : "Inf"
            throw SafetensorsError(file: path, tensor: name,
                                   problem: "holds \(kind) (first at element \(index) of \(count)); the weights are corrupt")
        }
        return tensor
    }

    /// Tells the kernel the entry's whole pages are no longer needed (they stay readable; they are re-read from disk).
    /// In-memory contents are left alone.
    private func release(_ entry: SafetensorsEntry) {
        guard mapping.isMapped, let base = mapping.bytes else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataStart + entry.byteRange.lowerBound
        let end = dataStart + entry.byteRange.upperBound
        let alignedStart = (start + page - 1) / page * page
        let alignedEnd = end / page * page
        guard alignedEnd > alignedStart else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + alignedStart), alignedEnd - alignedStart, Int32(MADV_DONTNEED))
    }
}
