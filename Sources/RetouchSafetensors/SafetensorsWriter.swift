import Foundation
import RetouchTensor

/// Writes float32 tensors as a safetensors file, stored as F32, F16 or BF16.
public enum SafetensorsWriter {
    /// Storage types the writer can produce.
    public enum Storage: Sendable { case f32, f16, bf16 }

    /// Writes `tensors` (name → tensor) to `url` atomically (temporary file, then rename), with optional metadata.
    public static func write(_ tensors: [String: Tensor], to url: URL, storage: Storage = .f32,
                             metadata: [String: String] = [:]) throws {
        let dtype: SafetensorsDType = switch storage { case .f32: .f32; case .f16: .f16; case .bf16: .bf16 }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let size = tensors[name]!.count * dtype.byteSize
            header[name] = ["dtype": dtype.rawValue, "shape": tensors[name]!.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while headerData.count % 8 != 0 { headerData.append(UInt8(ascii: " ")) }

        var data = Data(capacity: 8 + headerData.count + offset)
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerData)
        for name in names {
            let scalars = tensors[name]!.scalars
            switch storage {
            case .f32:
                scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            case .f16:
                let halves = scalars.map { Float16($0).bitPattern.littleEndian }
                halves.withUnsafeBytes { data.append(contentsOf: $0) }
            case .bf16:
                let halves = scalars.map { bfloat16Bits($0).littleEndian }
                halves.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw SafetensorsError(file: url.path, problem: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Rounds a float to bfloat16 (round to nearest even, NaN kept), as PyTorch does.
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
