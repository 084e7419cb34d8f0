extension ImageLimits {
    /// Throws unless a `width`×`height` image may be allocated: both sides positive and the pixel count
    /// (computed without overflow) within `maxPixels`. `what` names the flag, field or step asking for it.
    ///
    /// The same budget that bounds decoding bounds everything Retouch would allocate from a user's numbers:
    /// generate sizes, resize targets, outpaint canvases and the latents behind them.
    @discardableResult
    public func checkAllocation(width: Int, height: Int, what: String) throws -> Int {
        guard width > 0, height > 0 else {
            throw ImageError(file: what, problem: "\(width)x\(height) is not a positive size")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            let limit = maxPixels >= 1_000_000 ? "\(maxPixels / 1_000_000) megapixels" : "\(maxPixels) pixels"
            throw ImageError(file: what, problem: "\(width)x\(height) pixels is over the limit of \(limit)")
        }
        return pixels
    }
}
