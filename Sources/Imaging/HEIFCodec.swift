import CBoundedAV1
import CHeif
import Foundation

/// HEIC and AVIF reading through libheif (Debian's build decodes HEVC with libde265 and AV1 with dav1d/aom):
/// the primary image with its alpha plane, the container's rotation and mirroring (irot, imir) applied by libheif,
/// and the raw ICC profile of its colr box. AV1 goes through our dav1d decoder (`CBoundedAV1`) instead of libheif's,
/// so a frame size inside the AV1 stream above the pixel limit is refused before dav1d allocates it (libheif 1.15
/// checks only the container's `ispe` size, which a damaged file can contradict).
public enum HEIFCodec {
    /// Whether `data` starts like an ISO-BMFF file (`….ftyp`), the container of HEIC and AVIF.
    static func sniff(_ head: [UInt8]) -> Bool {
        head.count >= 12 && head[4..<8].elementsEqual("ftyp".utf8)
    }

    private static let initialized: Bool = {
        _ = heif_init(nil)
        u2net_bounded_av1_register()
        return true
    }()

    /// Decodes the primary image. Its EXIF orientation is not applied: HEIF writers store the rotation in the
    /// container (which libheif applies), and the EXIF tag repeats it for viewers that ignore the container.
    public static func decode(_ data: Data, path: String, maxPixels: Int) throws -> Image {
        _ = initialized
        guard let context = heif_context_alloc() else { throw ImagingError.decode(path: path, reason: "out of memory") }
        defer { heif_context_free(context) }
        return try data.withUnsafeBytes { raw -> Image in
            try check(heif_context_read_from_memory_without_copy(context, raw.baseAddress, raw.count, nil), path)
            var handle: OpaquePointer?
            try check(heif_context_get_primary_image_handle(context, &handle), path)
            guard let handle else { throw ImagingError.decode(path: path, reason: "no primary image") }
            defer { heif_image_handle_release(handle) }
            let declaredWidth = Int(heif_image_handle_get_width(handle)), declaredHeight = Int(heif_image_handle_get_height(handle))
            guard declaredWidth > 0, declaredHeight > 0 else { throw ImagingError.decode(path: path, reason: "zero size") }
            guard declaredWidth * declaredHeight <= maxPixels else {
                throw ImagingError.tooLarge(path: path, width: declaredWidth, height: declaredHeight, limit: maxPixels)
            }
            var icc: Data?
            let profileSize = heif_image_handle_get_raw_color_profile_size(handle)
            if profileSize > 0 {
                var profile = [UInt8](repeating: 0, count: profileSize)
                if heif_image_handle_get_raw_color_profile(handle, &profile).code == heif_error_Ok { icc = Data(profile) }
            }
            let hasAlpha = heif_image_handle_has_alpha_channel(handle) != 0
            // The AV1 decoder reads its frame limit on this thread: decode grid tiles here, not on libheif's threads.
            heif_context_set_max_decoding_threads(context, 0)
            u2net_bounded_av1_set_frame_limit(UInt32(clamping: maxPixels))
            defer { u2net_bounded_av1_set_frame_limit(0) }
            var decoded: OpaquePointer?
            try check(heif_decode_image(handle, &decoded, heif_colorspace_RGB,
                                        hasAlpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, nil), path)
            guard let decoded else { throw ImagingError.decode(path: path, reason: "no image decoded") }
            defer { heif_image_release(decoded) }
            let width = Int(heif_image_get_width(decoded, heif_channel_interleaved))
            let height = Int(heif_image_get_height(decoded, heif_channel_interleaved))
            guard width > 0, height > 0, width * height <= maxPixels else {
                throw ImagingError.decode(path: path, reason: "decoded size \(width)×\(height) differs from the declared one")
            }
            var stride: Int32 = 0
            guard let plane = heif_image_get_plane_readonly(decoded, heif_channel_interleaved, &stride),
                  Int(stride) >= width * (hasAlpha ? 4 : 3) else {
                throw ImagingError.decode(path: path, reason: "no interleaved RGB plane")
            }
            let channels = hasAlpha ? 4 : 3
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            var alpha: [UInt8]? = hasAlpha ? [UInt8](repeating: 0, count: width * height) : nil
            for y in 0..<height {
                let row = plane + y * Int(stride)
                for x in 0..<width {
                    let s = row + x * channels, d = y * width + x
                    rgb[3 * d] = s[0]; rgb[3 * d + 1] = s[1]; rgb[3 * d + 2] = s[2]
                    if hasAlpha { alpha![d] = s[3] }
                }
            }
            return Image(width: width, height: height, rgb: rgb, alpha: alpha, iccProfile: icc)
        }
    }

    private static func check(_ error: heif_error, _ path: String) throws {
        guard error.code != heif_error_Ok else { return }
        let message = error.message.map { String(cString: $0) } ?? "error \(error.code.rawValue)"
        throw ImagingError.decode(path: path, reason: "HEIF: \(message)")
    }
}
