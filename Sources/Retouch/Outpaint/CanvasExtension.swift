import RetouchImaging

/// Where the original sits on a larger canvas.
public enum CanvasAnchor: String, Sendable, CaseIterable {
    case center
    case top, bottom, left, right
    case topLeft = "top-left", topRight = "top-right", bottomLeft = "bottom-left", bottomRight = "bottom-right"

    /// Fractions of the free space that go before the original, horizontally and vertically.
    var before: (x: Double, y: Double) {
        switch self {
        case .center: return (0.5, 0.5)
        case .top: return (0.5, 0)
        case .bottom: return (0.5, 1)
        case .left: return (0, 0.5)
        case .right: return (1, 0.5)
        case .topLeft: return (0, 0)
        case .topRight: return (1, 0)
        case .bottomLeft: return (0, 1)
        case .bottomRight: return (1, 1)
        }
    }
}

/// How many pixels an outpaint adds on each side.
public struct CanvasExtension: Sendable, Equatable {
    /// Pixels added on each side (none negative).
    public var left: Int, right: Int, top: Int, bottom: Int

    /// Margins in pixels.
    public init(left: Int = 0, right: Int = 0, top: Int = 0, bottom: Int = 0) {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom)
    }

    /// The margins that put a `imageWidth`×`imageHeight` original on a `width`×`height` canvas at `anchor`.
    public init(canvasWidth width: Int, canvasHeight height: Int, anchor: CanvasAnchor, imageWidth: Int, imageHeight: Int) throws {
        guard width >= imageWidth, height >= imageHeight else {
            throw PipelineError("the canvas \(width)x\(height) is smaller than the image \(imageWidth)x\(imageHeight)")
        }
        let freeX = width - imageWidth, freeY = height - imageHeight
        let left = Int((Double(freeX) * anchor.before.x).rounded()), top = Int((Double(freeY) * anchor.before.y).rounded())
        self.init(left: left, right: freeX - left, top: top, bottom: freeY - top)
    }

    /// Whether nothing is added.
    public var isEmpty: Bool { left == 0 && right == 0 && top == 0 && bottom == 0 }

    /// Where an image of `width`×`height` lands on the canvas.
    public func originalRect(width: Int, height: Int) -> PixelRect { PixelRect(x: left, y: top, width: width, height: height) }

    /// The canvas size for an image of `width`×`height`.
    public func canvasSize(width: Int, height: Int) -> (width: Int, height: Int) { (width + left + right, height + top + bottom) }
}
