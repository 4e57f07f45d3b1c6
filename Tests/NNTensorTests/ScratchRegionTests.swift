import NNTensor
import XCTest

/// The arithmetic of ``ScratchRegion``: where subregions start, how long they are, what carving leaves.
/// (Its bounds asserts exist only in debug builds, so they are not tested here.)
final class ScratchRegionTests: XCTestCase {
    /// Runs `body` on a region over 64 floats holding 0, 1, 2, …
    func withCountingRegion(_ body: (ScratchRegion) -> Void) {
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { memory.deallocate() }
        for i in 0..<64 { memory[i] = Float(i) }
        body(ScratchRegion(memory, count: 64))
    }

    func testSubregionsStartAtTheirOffsetAndKeepTheirCount() {
        withCountingRegion { region in
            let sub = region.subregion(at: 10, count: 20)
            XCTAssertEqual(sub.base - region.base, 10)
            XCTAssertEqual(sub.count, 20)
            XCTAssertEqual(sub[0], 10)
            XCTAssertEqual(sub[19], 29)
            // A subregion of a subregion counts from its own start.
            let inner = sub.subregion(at: 5, count: 3)
            XCTAssertEqual(inner.base - region.base, 15)
            XCTAssertEqual(inner.count, 3)
            XCTAssertEqual(region.prefix(7).base, region.base)
            XCTAssertEqual(region.prefix(7).count, 7)
            // The empty region at the very end is allowed.
            XCTAssertEqual(region.subregion(at: 64, count: 0).count, 0)
        }
    }

    func testCarvingSplitsOffTheFrontAndLeavesTheRest() {
        withCountingRegion { region in
            var rest = region
            let a = rest.carve(16), b = rest.carve(0), c = rest.carve(40)
            XCTAssertEqual(a.base - region.base, 0)
            XCTAssertEqual(a.count, 16)
            XCTAssertEqual(b.base - region.base, 16)
            XCTAssertEqual(b.count, 0)
            XCTAssertEqual(c.base - region.base, 16)
            XCTAssertEqual(c.count, 40)
            XCTAssertEqual(rest.base - region.base, 56)
            XCTAssertEqual(rest.count, 8)
            XCTAssertEqual(a.count + b.count + c.count + rest.count, region.count)
        }
    }

    func testContainsIsExactlyTheRegionsBounds() {
        withCountingRegion { region in
            XCTAssertTrue(region.contains(offset: 0, length: 64))
            XCTAssertTrue(region.contains(offset: 56, length: 8))
            XCTAssertTrue(region.contains(offset: 64, length: 0))
            XCTAssertFalse(region.contains(offset: 57, length: 8))
            XCTAssertFalse(region.contains(offset: -1, length: 1))
            XCTAssertFalse(region.contains(offset: 0, length: -1))
            XCTAssertFalse(region.contains(offset: 0, length: 65))
            XCTAssertFalse(region.contains(offset: .max, length: 1))
            XCTAssertFalse(region.contains(offset: 1, length: .max))
        }
    }

    func testVectorLoadsAndStoresAtUnalignedOffsets() {
        withCountingRegion { region in
            let v = region.load(SIMD8<Float>.self, at: 3)
            XCTAssertEqual(v, SIMD8(3, 4, 5, 6, 7, 8, 9, 10))
            XCTAssertEqual(region.load(SIMD16<Float>.self, at: 48), SIMD16((48..<64).map { Float($0) }))
            region.store(SIMD4<Float>(-1, -2, -3, -4), at: 59)
            XCTAssertEqual((58..<64).map { region[$0] }, [58, -1, -2, -3, -4, 63])
        }
    }

    func testScalarSubscriptReadsAndWrites() {
        withCountingRegion { region in
            let sub = region.subregion(at: 32, count: 4)
            sub[2] = 100
            XCTAssertEqual(region[34], 100)
            XCTAssertEqual(sub[2], 100)
        }
    }

    func testPointerIsTheFloatAtTheOffset() {
        withCountingRegion { region in
            let p = region.pointer(at: 12, count: 20)
            XCTAssertEqual(p - region.base, 12)
            XCTAssertEqual(p[19], 31)
        }
    }

    func testInitializeTouchesOnlyTheRegion() {
        withCountingRegion { region in
            region.subregion(at: 8, count: 4).initialize(repeating: 0)
            XCTAssertEqual((6..<14).map { region[$0] }, [6, 7, 0, 0, 0, 0, 12, 13])
            let source: [Float] = [-1, -2, -3]
            source.withUnsafeBufferPointer { region.subregion(at: 20, count: 3).initialize(from: $0.baseAddress!) }
            XCTAssertEqual((19..<24).map { region[$0] }, [19, -1, -2, -3, 23])
        }
    }
}
