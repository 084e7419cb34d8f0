import RetouchChecks
extension Tensor {
    /// Concatenates NCHW (or any `[N, C, ...]`) tensors along the channel dimension.
    public static func concatenateChannels(_ parts: [Tensor]) -> Tensor {
        require(!parts.isEmpty, "concatenate needs at least one tensor")
        let batch = parts[0].shape[0]
        let trailing = Array(parts[0].shape.dropFirst(2))
        require(parts.allSatisfy { $0.shape[0] == batch && Array($0.shape.dropFirst(2)) == trailing },
                     "concatenate shapes disagree: \(parts.map(\.shape))")
        let plane = trailing.reduce(1, *)
        let channels = parts.reduce(0) { $0 + $1.shape[1] }
        var scalars = [Float]()
        scalars.reserveCapacity(batch * channels * plane)
        for n in 0..<batch {
            for part in parts {
                let size = part.shape[1] * plane
                scalars.append(contentsOf: part.scalars[(n * size)..<((n + 1) * size)])
            }
        }
        return Tensor(shape: [batch, channels] + trailing, scalars: scalars)
    }

    /// Concatenates tensors along the batch (first) dimension.
    public static func concatenateBatch(_ parts: [Tensor]) -> Tensor {
        require(!parts.isEmpty && parts.allSatisfy { Array($0.shape.dropFirst()) == Array(parts[0].shape.dropFirst()) },
                     "batch concatenation shapes disagree: \(parts.map(\.shape))")
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + parts[0].shape.dropFirst(),
                      scalars: parts.flatMap(\.scalars))
    }

    /// The slice `start..<end` along the batch (first) dimension.
    public func batchSlice(_ range: Range<Int>) -> Tensor {
        let size = count / shape[0]
        return Tensor(shape: [range.count] + shape.dropFirst(),
                      scalars: Array(scalars[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// `[N, C, H, W]` viewed as tokens `[N, H*W, C]` (the transformer blocks' layout).
    public func channelsToTokens() -> Tensor {
        require(rank == 4, "channelsToTokens wants NCHW, got \(shape)")
        let (n, c, pixels) = (shape[0], shape[1], shape[2] * shape[3])
        return Tensor(shape: [n, pixels, c]) { out in
            withUnsafeBufferPointer { x in
                for b in 0..<n { transpose(x.baseAddress! + b * c * pixels, rows: c, columns: pixels, into: out.baseAddress! + b * c * pixels) }
            }
        }
    }

    /// Tokens `[N, H*W, C]` back to `[N, C, H, W]`.
    public func tokensToChannels(height: Int, width: Int) -> Tensor {
        require(rank == 3 && shape[1] == height * width, "tokensToChannels: \(shape) is not \(height)x\(width) tokens")
        let (n, pixels, c) = (shape[0], shape[1], shape[2])
        return Tensor(shape: [n, c, height, width]) { out in
            withUnsafeBufferPointer { x in
                for b in 0..<n { transpose(x.baseAddress! + b * c * pixels, rows: pixels, columns: c, into: out.baseAddress! + b * c * pixels) }
            }
        }
    }
}

/// Writes the transpose of a row-major `rows × columns` matrix, in cache-sized blocks over both cores.
func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Float>) {
    let block = 32
    let rowBlocks = (rows + block - 1) / block
    Parallel.forEach(rowBlocks, costPerItem: block * columns) { rb in
        let r0 = rb * block, r1 = Swift.min(rows, r0 + block)
        var c0 = 0
        while c0 < columns {
            let c1 = Swift.min(columns, c0 + block)
            for r in r0..<r1 {
                for c in c0..<c1 { destination[c * rows + r] = source[r * columns + c] }
            }
            c0 = c1
        }
    }
}
