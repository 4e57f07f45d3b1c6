import Foundation
import Imaging
import TestSupport
import XCTest

/// Inputs the fuzzer (Tools/fuzz.sh) flagged, kept in `Tests/MattingTests/Fixtures/formats/fuzz/`: each must decode
/// or fail with a typed error. Found so far: damaged AVIF streams on which libheif 1.15's AV1 decoder lost 40 bytes
/// of libdav1d memory (`heif-leak-…`, `image-leak-…`; our AV1 decoder, `CBoundedAV1`, does not), and 64×64 AVIFs whose AV1 stream codes a far larger frame (`avif-frame-above-ispe-…`), which made dav1d
/// allocate 1.1–1.3 GB before failing.
final class FuzzRegressionTests: XCTestCase {
    func testFlaggedInputsDecodeOrFailWithATypedError() throws {
        let folder = FixturePaths.formats.appendingPathComponent("fuzz")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(files.isEmpty)
        for name in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                _ = try ImageFile.decode(data, path: name, maxPixels: 4_000_000)
            } catch {
                XCTAssertTrue(error is ImagingError, "\(name): \(error)")
            }
        }
    }

    /// The AV1 frame inside these files is larger than the pixel limit: refused by the bounded AV1 decoder before
    /// dav1d allocates it, so the process's peak memory grows by far less than the 1.1 GB it used to.
    func testAV1FramesAboveThePixelLimitAreRefusedBeforeAllocating() throws {
        let folder = FixturePaths.formats.appendingPathComponent("fuzz")
        for name in ["avif-frame-above-ispe-1.avif", "avif-frame-above-ispe-2.avif"] {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let peakReset = resetPeakResidentSize()
            let before = residentSizeKB(field: "VmRSS:")
            XCTAssertThrowsError(try HEIFCodec.decode(data, path: name, maxPixels: 4_000_000)) { error in
                guard case let ImagingError.decode(_, reason) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue(reason.contains("above the pixel limit"), "\(name): \(reason)")
            }
            if peakReset, let before, let peak = residentSizeKB(field: "VmHWM:") {
                XCTAssertLessThan(peak - before, 200_000, "\(name): peak RSS grew by \(peak - before) kB")
            }
        }
    }

    /// Resets the kernel's peak-RSS counter (VmHWM) to the current RSS (`/proc/self/clear_refs`, Linux).
    private func resetPeakResidentSize() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// A `kB` field of `/proc/self/status`.
    private func residentSizeKB(field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return nil }
        return Int(line.dropFirst(field.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
}
