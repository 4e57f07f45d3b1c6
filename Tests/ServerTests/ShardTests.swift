import Foundation
import TestSupport
import XCTest

/// `remove FOLDER -o OUT --shard i/n`: n runs cover every photo of a folder exactly once.
final class ShardTests: XCTestCase {
    func testThreeShardsCoverAFolderExactlyOnce() throws {
        try FixturePaths.requireU2netp()
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("u2net-shard-\(UUID().uuidString)")
        let input = root.appendingPathComponent("in"), output = root.appendingPathComponent("out")
        try fm.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: root) }
        // Seven small photos (one in a subfolder): shards of 3, 2 and 2.
        let photo = RawPNG.make(width: 40, height: 30, colorType: .rgb, bitDepth: 8,
                                rows: (0..<30).map { y in (0..<40).flatMap { x in [UInt8(x * 6), UInt8(y * 8), 128] } })
        var expected: [String] = []
        for i in 0..<7 {
            let name = i == 6 ? "sub/photo\(i).png" : "photo\(i).png"
            try photo.write(to: input.appendingPathComponent(name))
            expected.append(name)
        }
        var seen: [String: Int] = [:]
        for i in 1...3 {
            let before = Set(listPNGs(output))
            let run = try runCLI([input.path, "-o", output.path, "--shard", "\(i)/3", "--quiet"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let written = Set(listPNGs(output)).subtracting(before)
            XCTAssertTrue((2...3).contains(written.count), "shard \(i)/3 wrote \(written.count)")
            for name in written { seen[name, default: 0] += 1 }
        }
        XCTAssertEqual(seen.keys.sorted(), expected.sorted())
        XCTAssertTrue(seen.values.allSatisfy { $0 == 1 })
        XCTAssertNotEqual(try runCLI([input.path, "-o", output.path, "--shard", "4/3"]).status, 0)
        XCTAssertNotEqual(try runCLI([input.path, "-o", output.path, "--shard", "0/3"]).status, 0)
    }

    func listPNGs(_ folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }
    }
}
