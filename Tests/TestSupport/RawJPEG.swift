import Foundation

/// Edits JPEG files byte by byte, so tests can give a file any EXIF orientation.
public enum RawJPEG {
    /// Inserts an EXIF APP1 segment carrying only an orientation tag right after SOI.
    public static func withOrientation(_ jpeg: Data, _ orientation: UInt16) -> Data {
        var tiff = Data([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8])          // big-endian TIFF, IFD at 8
        tiff.append(contentsOf: [0, 1])                                   // one entry
        tiff.append(contentsOf: [0x01, 0x12, 0, 3, 0, 0, 0, 1])          // Orientation, SHORT, count 1
        tiff.append(contentsOf: [UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0])
        tiff.append(contentsOf: [0, 0, 0, 0])                             // no next IFD
        let payload = Data("Exif".utf8) + Data([0, 0]) + tiff
        let length = payload.count + 2
        var out = Data(jpeg.prefix(2))
        out.append(contentsOf: [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)])
        out.append(payload)
        out.append(jpeg.dropFirst(2))
        return out
    }
}
