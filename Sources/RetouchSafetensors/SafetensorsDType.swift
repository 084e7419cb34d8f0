import CKernels
import Foundation

/// The element types of the safetensors format.
public enum SafetensorsDType: String, Sendable, CaseIterable, Codable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    /// 8-bit floats of fp8 checkpoints: torch's `float8_e4m3fn` (4 exponent bits, bias 7, no infinities, NaN only
    /// at `S.1111.111`) and `float8_e5m2` (the top byte of an IEEE half).
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
        }
    }
}

/// Converts `count` little-endian elements of `dtype` at `source` into float32 at `destination`.
public func convertToFloat(_ dtype: SafetensorsDType, source: UnsafeRawPointer, count: Int,
                    destination: UnsafeMutablePointer<Float>) {
    switch dtype {
    case .f32:
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
    case .f16:
        rt_f16_to_f32(source, destination, count)   // vectorised F16C (Swift's Float(Float16) is a libcall per value)
    case .bf16:
        for i in 0..<count {
            destination[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
        }
    case .f64:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
    case .i64:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
    case .i32:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
    case .i16:
        for i in 0..<count { destination[i] = Float(source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
    case .i8:
        for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: Int8.self)) }
    case .u8:
        for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
    case .bool:
        for i in 0..<count { destination[i] = source.load(fromByteOffset: i, as: UInt8.self) == 0 ? 0 : 1 }
    case .f8e4m3:
        let table = Float8E4M3.values
        for i in 0..<count { destination[i] = table[Int(source.load(fromByteOffset: i, as: UInt8.self))] }
    case .f8e5m2:
        for i in 0..<count {
            destination[i] = Float(Float16(bitPattern: UInt16(source.load(fromByteOffset: i, as: UInt8.self)) << 8))
        }
    }
}

/// torch's `float8_e4m3fn` decoded: sign, 4 exponent bits (bias 7), 3 mantissa bits; exponent 0 is subnormal
/// (`m/8 · 2⁻⁶`), and `0x7F`/`0xFF` are NaN (the format has no infinities).
enum Float8E4M3 {
    /// The float32 value of every byte.
    static let values: [Float] = (0..<256).map { byte in
        let sign: Float = byte & 0x80 != 0 ? -1 : 1
        let exponent = (byte >> 3) & 0xF
        let mantissa = Float(byte & 0x7)
        if exponent == 0xF && byte & 0x7 == 0x7 { return .nan }
        if exponent == 0 { return sign * mantissa / 8 * Float(sign: .plus, exponent: -6, significand: 1) }
        return sign * (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }
}

extension SafetensorsDType {
    /// Whether values of this type can be NaN or infinite.
    public var isFloatingPoint: Bool { [.f64, .f32, .f16, .bf16, .f8e4m3, .f8e5m2].contains(self) }
}

/// Whether `count` floats at `values` are all finite (exponent bits not all ones), in one branch-free pass.
@inline(__always)
public func allFinite(_ values: UnsafePointer<Float>, count: Int) -> Bool {
    var seen: UInt32 = 0
    values.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
        for i in 0..<count {
            // 0x7F80_0000 when the exponent is all ones (NaN or Inf), else less.
            seen = max(seen, bits[i] & 0x7F80_0000)
        }
    }
    return seen != 0x7F80_0000
}

/// Set by any worker that saw a non-finite value (a lock guards the rare write).
public final class NonFiniteFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    /// A flag not yet set.
    public init() {}
    /// Records that a non-finite value was seen.
    public func set() { lock.lock(); value = true; lock.unlock() }
    /// Whether any worker saw one.
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
