import CWebP
import Foundation

/// WebP reading and writing through libwebp: lossy and lossless, with alpha; the ICC profile travels in the
/// container's ICCP chunk (read with the demux API, written with the mux API).
public enum WebPCodec {
    /// Whether `data` starts like a WebP file (`RIFF….WEBP`).
    static func sniff(_ head: [UInt8]) -> Bool {
        head.count >= 12 && head[0..<4].elementsEqual("RIFF".utf8) && head[8..<12].elementsEqual("WEBP".utf8)
    }

    /// Decodes a still WebP to 8-bit RGB plus alpha (when the file has any) and its ICC profile.
    /// Refuses images above `maxPixels` before allocating their pixels.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> Image {
        var features = WebPBitstreamFeatures()
        let status = data.withUnsafeBytes { raw in
            WebPGetFeatures(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &features)
        }
        guard status == VP8_STATUS_OK else { throw ImagingError.decode(path: path, reason: "damaged WebP (\(describe(status)))") }
        guard features.has_animation == 0 else { throw ImagingError.decode(path: path, reason: "animated WebP is not supported") }
        let width = Int(features.width), height = Int(features.height)
        guard width > 0, height > 0 else { throw ImagingError.decode(path: path, reason: "zero size") }
        guard width * height <= maxPixels else {
            throw ImagingError.tooLarge(path: path, width: width, height: height, limit: maxPixels)
        }
        let hasAlpha = features.has_alpha != 0
        let channels = hasAlpha ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let decoded = data.withUnsafeBytes { raw -> Bool in
            pixels.withUnsafeMutableBufferPointer { out in
                let input = raw.bindMemory(to: UInt8.self).baseAddress
                let result = hasAlpha
                    ? WebPDecodeRGBAInto(input, raw.count, out.baseAddress, out.count, Int32(width * 4))
                    : WebPDecodeRGBInto(input, raw.count, out.baseAddress, out.count, Int32(width * 3))
                return result != nil
            }
        }
        guard decoded else { throw ImagingError.decode(path: path, reason: "damaged WebP image data") }
        var image: Image
        if hasAlpha {
            image = PNGCodec.split(pixels, width: width, height: height, keepAlpha: true)
        } else {
            image = Image(width: width, height: height, rgb: pixels)
        }
        image.iccProfile = iccProfile(data)
        return image
    }

    /// The ICCP chunk of an extended-format WebP, or nil.
    static func iccProfile(_ data: Data) -> Data? {
        data.withUnsafeBytes { raw -> Data? in
            var input = WebPData(bytes: raw.bindMemory(to: UInt8.self).baseAddress, size: raw.count)
            guard let demux = WebPDemux(&input) else { return nil }
            defer { WebPDemuxDelete(demux) }
            guard WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & UInt32(ICCP_FLAG.rawValue) != 0 else { return nil }
            var iterator = WebPChunkIterator()
            guard WebPDemuxGetChunk(demux, "ICCP", 1, &iterator) != 0 else { return nil }
            defer { WebPDemuxReleaseChunkIterator(&iterator) }
            guard let bytes = iterator.chunk.bytes, iterator.chunk.size > 0 else { return nil }
            return Data(bytes: bytes, count: iterator.chunk.size)
        }
    }

    /// Encodes 8-bit RGB (`channels` 3) or RGBA (4): lossless when `quality` is nil, else lossy at `quality`
    /// (1–100, alpha kept losslessly). `iccProfile` goes into an ICCP chunk byte for byte.
    public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int? = nil,
                              iccProfile: Data? = nil) throws -> Data {
        precondition(pixels.count == width * height * channels && (channels == 3 || channels == 4))
        guard width > 0, height > 0, width <= Int(WEBP_MAX_DIMENSION), height <= Int(WEBP_MAX_DIMENSION) else {
            throw ImagingError.encode(reason: "WebP images are at most \(WEBP_MAX_DIMENSION) pixels on a side (this one is \(width)×\(height))")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let stride = Int32(width * channels)
        let size = pixels.withUnsafeBufferPointer { p -> Int in
            let w = Int32(width), h = Int32(height)
            switch (channels, quality) {
            case (4, nil): return WebPEncodeLosslessRGBA(p.baseAddress, w, h, stride, &output)
            case (3, nil): return WebPEncodeLosslessRGB(p.baseAddress, w, h, stride, &output)
            case (4, let q?): return WebPEncodeRGBA(p.baseAddress, w, h, stride, Float(min(max(q, 1), 100)), &output)
            case (_, let q?): return WebPEncodeRGB(p.baseAddress, w, h, stride, Float(min(max(q, 1), 100)), &output)
            default: return 0
            }
        }
        guard size > 0, let output else { throw ImagingError.encode(reason: "libwebp could not encode the image") }
        defer { WebPFree(output) }
        guard let iccProfile, !iccProfile.isEmpty else { return Data(bytes: output, count: size) }
        return try withProfile(bitstream: UnsafeBufferPointer(start: output, count: size), profile: iccProfile)
    }

    /// A WebP file holding `bitstream` (a simple-format WebP) and an ICCP chunk with `profile`.
    private static func withProfile(bitstream: UnsafeBufferPointer<UInt8>, profile: Data) throws -> Data {
        guard let mux = WebPMuxNew() else { throw ImagingError.encode(reason: "out of memory") }
        defer { WebPMuxDelete(mux) }
        var image = WebPData(bytes: bitstream.baseAddress, size: bitstream.count)
        guard WebPMuxSetImage(mux, &image, 1) == WEBP_MUX_OK else {
            throw ImagingError.encode(reason: "libwebp's mux refused the image")
        }
        let status = profile.withUnsafeBytes { raw -> WebPMuxError in
            var chunk = WebPData(bytes: raw.bindMemory(to: UInt8.self).baseAddress, size: raw.count)
            return WebPMuxSetChunk(mux, "ICCP", &chunk, 1)
        }
        guard status == WEBP_MUX_OK else { throw ImagingError.encode(reason: "libwebp's mux refused the ICC profile") }
        var assembled = WebPData()
        guard WebPMuxAssemble(mux, &assembled) == WEBP_MUX_OK, let bytes = assembled.bytes else {
            throw ImagingError.encode(reason: "libwebp's mux could not assemble the file")
        }
        defer { WebPDataClear(&assembled) }
        return Data(bytes: bytes, count: assembled.size)
    }

    /// Encodes an opaque image with its ICC profile: lossless when `quality` is nil, else lossy at `quality`.
    public static func encode(_ image: Image, quality: Int? = nil) throws -> Data {
        try encode(pixels: image.rgb, width: image.width, height: image.height, channels: 3, quality: quality,
                   iccProfile: image.iccProfile)
    }

    /// Encodes straight-alpha RGBA (a cutout): lossless when `quality` is nil, else lossy with lossless alpha.
    public static func encode(_ rgba: RGBAImage, quality: Int? = nil, iccProfile: Data? = nil) throws -> Data {
        try encode(pixels: rgba.pixels, width: rgba.width, height: rgba.height, channels: 4, quality: quality,
                   iccProfile: iccProfile)
    }

    private static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter"
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature"
        case VP8_STATUS_NOT_ENOUGH_DATA: return "the file ends early"
        default: return "status \(status.rawValue)"
        }
    }
}
