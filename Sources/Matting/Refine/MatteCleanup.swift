import Foundation
import Imaging

/// Matte edits that need no photo: feathering, shrinking, and removing specks and pinholes.
public enum MatteCleanup {
    /// A Gaussian blur of standard deviation `radius / 2` pixels (kernel truncated at 3σ), softening the edge.
    public static func feather(_ matte: GrayImage, radius: Double) -> GrayImage {
        guard radius > 0 else { return matte }
        let sigma = radius / 2
        let k = max(1, Int((3 * sigma).rounded(.up)))
        var weights = (-k...k).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let w = matte.width, h = matte.height
        let src = matte.pixels.map(Double.init)
        // Separable, edges clamped.
        var rows = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -k...k { s += weights[t + k] * src[y * w + min(w - 1, max(0, x + t))] }
                rows[y * w + x] = s
            }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -k...k { s += weights[t + k] * rows[min(h - 1, max(0, y + t)) * w + x] }
                out[y * w + x] = UInt8(max(0, min(255, s.rounded())))
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Erodes the matte by `pixels` (the minimum over a `(2·pixels + 1)²` square), pulling the edge inwards.
    public static func shrink(_ matte: GrayImage, pixels: Int) -> GrayImage {
        GrayImage(width: matte.width, height: matte.height,
                  pixels: Morphology.extremum(matte.pixels, width: matte.width, height: matte.height, radius: pixels, minimum: true))
    }

    /// What ``clean(_:)`` changed.
    public struct CleanupReport: Sendable, Equatable {
        /// Regions of subject removed for being too small.
        public var islandsRemoved = 0
        /// Enclosed background regions filled.
        public var holesFilled = 0
    }

    /// Drops specks and fills pinholes without touching soft edges:
    /// - islands: 8-connected regions of the matte above 8 whose total alpha is under 1 % of the largest
    ///   region's are cleared (hair strands joined to the subject by faint pixels stay);
    /// - holes: 4-connected regions below 247 that do not touch the image's border and cover fewer than
    ///   `max(64, 0.05 %)` of its pixels are filled with 255.
    public static func clean(_ matte: GrayImage) -> (GrayImage, CleanupReport) {
        let w = matte.width, h = matte.height
        var pixels = matte.pixels
        var report = CleanupReport()
        // Islands.
        let (labels, regions) = components(pixels, width: w, height: h, eightConnected: true) { $0 > 8 }
        var mass = [Int](repeating: 0, count: regions.count)
        for i in 0..<w * h where labels[i] >= 0 { mass[Int(labels[i])] += Int(pixels[i]) }
        let largest = mass.max() ?? 0
        let dropped = mass.map { $0 * 100 < largest }
        for i in 0..<w * h where labels[i] >= 0 && dropped[Int(labels[i])] { pixels[i] = 0 }
        report.islandsRemoved = dropped.filter { $0 }.count
        // Holes.
        let (holeLabels, holes) = components(pixels, width: w, height: h, eightConnected: false) { $0 < 247 }
        let limit = max(64, w * h / 2000)
        let fill = holes.map { !$0.touchesBorder && $0.area < limit }
        for i in 0..<w * h where holeLabels[i] >= 0 && fill[Int(holeLabels[i])] { pixels[i] = 255 }
        report.holesFilled = fill.filter { $0 }.count
        return (GrayImage(width: w, height: h, pixels: pixels), report)
    }

    struct Region { var area = 0; var touchesBorder = false }

    /// Connected regions of the pixels where `inside` holds: a label per pixel (−1 outside) and each region's size.
    static func components(_ pixels: [UInt8], width w: Int, height h: Int, eightConnected: Bool,
                           inside: (UInt8) -> Bool) -> ([Int32], [Region]) {
        var labels = [Int32](repeating: -1, count: w * h)
        var regions: [Region] = []
        var stack: [Int] = []
        for start in 0..<w * h where labels[start] < 0 && inside(pixels[start]) {
            let label = Int32(regions.count)
            var region = Region()
            labels[start] = label
            stack.append(start)
            while let p = stack.popLast() {
                region.area += 1
                let y = p / w, x = p % w
                if x == 0 || y == 0 || x == w - 1 || y == h - 1 { region.touchesBorder = true }
                for dy in -1...1 {
                    let yy = y + dy
                    guard yy >= 0, yy < h else { continue }
                    for dx in -1...1 where (dx != 0 || dy != 0) && (eightConnected || dx == 0 || dy == 0) {
                        let xx = x + dx
                        guard xx >= 0, xx < w else { continue }
                        let q = yy * w + xx
                        if labels[q] < 0 && inside(pixels[q]) { labels[q] = label; stack.append(q) }
                    }
                }
            }
            regions.append(region)
        }
        return (labels, regions)
    }
}
