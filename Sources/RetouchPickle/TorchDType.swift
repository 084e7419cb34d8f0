import RetouchSafetensors

/// The element types of the `torch.*Storage` classes Retouch reads, named by their storage class.
public enum TorchDType: String, Sendable, CaseIterable {
    case float32 = "FloatStorage", float16 = "HalfStorage", bfloat16 = "BFloat16Storage", float64 = "DoubleStorage"
    case int64 = "LongStorage", int32 = "IntStorage", int16 = "ShortStorage", int8 = "CharStorage"
    case uint8 = "ByteStorage", bool = "BoolStorage"

    /// The same element type in safetensors terms (whose float32 conversion Retouch shares).
    public var safetensors: SafetensorsDType {
        switch self {
        case .float32: .f32
        case .float16: .f16
        case .bfloat16: .bf16
        case .float64: .f64
        case .int64: .i64
        case .int32: .i32
        case .int16: .i16
        case .int8: .i8
        case .uint8: .u8
        case .bool: .bool
        }
    }

    /// Bytes per element.
    public var byteSize: Int { safetensors.byteSize }
}
