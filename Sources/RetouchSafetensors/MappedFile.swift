import RetouchFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away; or a private copy of
/// bytes already in memory, freed likewise.
public final class MappedFile: @unchecked Sendable {
    /// The first byte of the mapping (nil for an empty file).
    public let bytes: UnsafeRawPointer?
    /// The file's size in bytes.
    public let size: Int
    /// Whether `bytes` is a file mapping (false for a copy made by `init(copying:)`).
    public let isMapped: Bool

    /// Copies `contents` into memory owned by the new instance.
    public init(copying contents: UnsafeRawBufferPointer) {
        size = contents.count
        isMapped = false
        guard let source = contents.baseAddress, size > 0 else {
            bytes = nil
            return
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        copy.copyMemory(from: source, byteCount: size)
        bytes = UnsafeRawPointer(copy)
    }

    /// Maps `path` read-only; throws a `SafetensorsError` naming the file when it cannot be opened.
    public init(path: String) throws {
        let opened: (descriptor: Int32, size: Int)
        do {
            opened = try InputFile.openRegular(path, what: "weights file")
        } catch let problem as FileProblem {
            throw SafetensorsError(file: path, problem: problem.problem)
        }
        isMapped = true
        let descriptor = opened.descriptor
        defer { close(descriptor) }
        size = opened.size
        if size == 0 {
            bytes = nil
            return
        }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw SafetensorsError(file: path, problem: "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawPointer(mapping)
    }

    /// Tells the kernel the whole pages inside `range` (byte offsets) are no longer needed; they stay readable and
    /// are re-read from disk on the next access. In-memory copies are left alone.
    public func release(_ range: Range<Int>) {
        guard isMapped, let bytes, range.lowerBound >= 0, range.upperBound <= size else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let alignedStart = (range.lowerBound + page - 1) / page * page
        let alignedEnd = range.upperBound / page * page
        guard alignedEnd > alignedStart else { return }
        madvise(UnsafeMutableRawPointer(mutating: bytes + alignedStart), alignedEnd - alignedStart, Int32(MADV_DONTNEED))
    }

    deinit {
        guard let bytes else { return }
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: bytes), size) } else { bytes.deallocate() }
    }
}
