import Foundation
import U2Net

/// Turning a matte into the output file the user asked for, and writing it whole or not at all.
struct OutputWriter {
    var maskOnly: Bool
    var quality: Int

    func encode(mask: GrayImage, cutout: RGBAImage?, image: Image, ext: String, color: (UInt8, UInt8, UInt8)?,
                background: Image?, foreground: Image?) throws -> Data {
        if maskOnly {
            if ext == "jpg" {
                let g = mask
                var rgb = [UInt8](repeating: 0, count: g.pixels.count * 3)
                for (i, v) in g.pixels.enumerated() { rgb[3 * i] = v; rgb[3 * i + 1] = v; rgb[3 * i + 2] = v }
                return try JPEGCodec.encode(Image(width: g.width, height: g.height, rgb: rgb), quality: quality)
            }
            return try PNGCodec.encode(mask)
        }
        if let color {
            let flat = Composite.over(image, mask: mask, background: Image(width: image.width, height: image.height, color: color),
                                      foreground: foreground)
            return ext == "jpg" ? try JPEGCodec.encode(flat, quality: quality) : try PNGCodec.encode(flat)
        }
        if let background {
            let flat = Composite.over(image, mask: mask, background: Composite.cover(background, width: image.width, height: image.height),
                                      foreground: foreground)
            return ext == "jpg" ? try JPEGCodec.encode(flat, quality: quality) : try PNGCodec.encode(flat)
        }
        return try PNGCodec.encode(cutout ?? Composite.cutout(image, mask: mask, foreground: foreground))
    }

    func write(_ data: Data, to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw OutputError(path: path, reason: "cannot create its folder")
            }
        }
        do { try AtomicFile.write(data, to: path) } catch {
            throw OutputError(path: path, reason: "not writable")
        }
    }

    struct OutputError: Error, CustomStringConvertible {
        let path: String, reason: String
        var description: String { "cannot write '\(path)': \(reason)" }
    }
}
