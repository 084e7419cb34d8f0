import RetouchChecks
/// A grid of images on one sheet, for reviewing variations and walks at a glance.
public enum ContactSheet {
    /// Lays `images` out in rows of `columns` (default: a near-square grid) with `gap` pixels of `background`
    /// (0 black … 1 white) between and around them. Cells are as large as the largest image; smaller images are
    /// centred. Images are scaled down to `maxCellSide` pixels on their longer side when given.
    public static func make(_ images: [Image], columns: Int? = nil, gap: Int = 8, background: Float = 1,
                            maxCellSide: Int? = nil) -> Image {
        require(!images.isEmpty, "a contact sheet needs at least one image")
        let cells = images.map { image -> Image in
            var rgb = image.converted(toChannels: 3)
            if let side = maxCellSide, max(rgb.width, rgb.height) > side {
                let scale = Double(side) / Double(max(rgb.width, rgb.height))
                rgb = rgb.resized(width: max(1, Int((Double(rgb.width) * scale).rounded())),
                                  height: max(1, Int((Double(rgb.height) * scale).rounded())), filter: .lanczos)
            }
            return rgb
        }
        let columns = max(1, min(columns ?? Int(Double(cells.count).squareRoot().rounded(.up)), cells.count))
        let rows = (cells.count + columns - 1) / columns
        let cellWidth = cells.map(\.width).max()!, cellHeight = cells.map(\.height).max()!
        let width = columns * cellWidth + (columns + 1) * gap
        let height = rows * cellHeight + (rows + 1) * gap
        var sheet = Image(width: width, height: height, channels: 3, fill: background)
        for (index, cell) in cells.enumerated() {
            let column = index % columns, row = index / columns
            let left = gap + column * (cellWidth + gap) + (cellWidth - cell.width) / 2
            let top = gap + row * (cellHeight + gap) + (cellHeight - cell.height) / 2
            for y in 0..<cell.height {
                let target = ((top + y) * width + left) * 3
                sheet.pixels.replaceSubrange(target..<(target + cell.width * 3), with: cell.pixels[(y * cell.width * 3)..<((y + 1) * cell.width * 3)])
            }
        }
        return sheet
    }
}
