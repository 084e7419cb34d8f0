import Foundation
import RetouchTensor

/// A reader for NumPy `.npy` files (format versions 1–3, C order), used by tests to load reference outputs.
public struct NumpyArray: Sendable {
    /// The array's shape.
    public let shape: [Int]
    /// The elements converted to `Float` (from `<f4`, `<f8`, `<f2`, `<i4`, `<i8`, `|u1`, `|b1`).
    public let values: [Float]

    /// Errors for malformed `.npy` files.
    public struct FormatError: Error, CustomStringConvertible {
        /// What is wrong, naming the file.
        public let description: String
    }

    /// Reads the `.npy` file at `url`.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        func fail(_ why: String) -> FormatError { FormatError(description: "\(url.path): \(why)") }
        guard data.count >= 10, data.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else { throw fail("not an .npy file") }
        let major = data[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(data[8]) | Int(data[9]) << 8
            headerStart = 10
        } else {
            headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= data.count,
              let header = String(data: data[headerStart..<headerStart + headerLength], encoding: .utf8)
        else { throw fail("truncated header") }
        guard !header.contains("'fortran_order': True") else { throw fail("Fortran order is not supported") }
        guard let descrRange = header.range(of: #"'descr': '([^']+)'"#, options: .regularExpression),
              let shapeRange = header.range(of: #"'shape': \(([^)]*)\)"#, options: .regularExpression)
        else { throw fail("header lacks descr or shape: \(header)") }
        let descr = header[descrRange].split(separator: "'")[2]
        let shapeText = header[shapeRange].drop(while: { $0 != "(" }).dropFirst().dropLast()
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = data[(headerStart + headerLength)...]
        let values: [Float]
        func load<T>(_ type: T.Type, _ convert: (T) -> Float) throws -> [Float] {
            guard body.count >= count * MemoryLayout<T>.size else { throw fail("truncated data") }
            return body.withUnsafeBytes { raw in
                (0..<count).map { convert(raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        switch descr {
        case "<f4": values = try load(Float.self) { $0 }
        case "<f8": values = try load(Double.self) { Float($0) }
        case "<f2": values = try load(UInt16.self) { Float(Float16(bitPattern: $0)) }
        case "<i4": values = try load(Int32.self) { Float($0) }
        case "<i8": values = try load(Int64.self) { Float($0) }
        case "|u1": values = try load(UInt8.self) { Float($0) }
        case "|b1": values = try load(UInt8.self) { $0 == 0 ? 0 : 1 }
        default: throw fail("unsupported dtype \(descr)")
        }
        self.shape = shape
        self.values = values
    }

    /// Reads `fixtures/<relativePath>`.
    public init(fixture relativePath: String) throws {
        try self.init(contentsOf: Fixtures.url(relativePath))
    }

    /// The array as a tensor.
    public var tensor: Tensor { Tensor(shape: shape, scalars: values) }

    /// The elements as integers (for token ids and indices).
    public var integers: [Int] { values.map { Int($0) } }
}
