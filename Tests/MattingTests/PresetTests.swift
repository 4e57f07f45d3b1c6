import Imaging
import Matting
import NNTensor
import XCTest

/// Model presets: which family a file name implies, and MODNet's own preprocessing, by hand.
final class PresetTests: XCTestCase {
    func testFamiliesFromFileNames() {
        let isnet = ModelPreset.forModel(named: "isnet-general-use")
        XCTAssertEqual(isnet.size, 1024)
        XCTAssertTrue(isnet.mean == (0.5, 0.5, 0.5) && isnet.std == (1, 1, 1))
        let bria = ModelPreset.forModel(named: "bria-rmbg-2.0")
        XCTAssertEqual(bria.size, 1024)
        XCTAssertTrue(bria.mean == (0.485, 0.456, 0.406))
        XCTAssertEqual(ModelPreset.forModel(named: "modnet_photographic_portrait_matting").family, .modnet)
        XCTAssertEqual(ModelPreset.forModel(named: "modnet").size, 512)
        XCTAssertEqual(ModelPreset.forModel(named: "u2net_human_seg"), .u2net(name: "u2net_human_seg"))
        XCTAssertEqual(ModelPreset.forModel(named: "u2netp", size: 512).size, 512)
        let birefnet = ModelPreset.forModel(named: "birefnet-general-lite")
        XCTAssertTrue(birefnet.size == 1024 && birefnet.sigmoidOutput && birefnet.mean == (0.485, 0.456, 0.406)
                      && birefnet.std == (0.229, 0.224, 0.225))
        XCTAssertFalse(bria.sigmoidOutput, "RMBG-2.0's output is already a probability")
        let ben = ModelPreset.forModel(named: "BEN2_Base")
        XCTAssertTrue(ben.size == 1024 && !ben.sigmoidOutput && ben.mean == (0.5, 0.5, 0.5) && ben.std == (1, 1, 1))
    }

    /// BiRefNet's logits go through a sigmoid before rembg's min-max; RMBG's probabilities do not. On logits
    /// −2, 0, 2, 4 (one row of a 4 × 4 output, the others equal): sigmoid 0.1192, 0.5, 0.8808, 0.9820, min-max
    /// 0, 0.4434, 0.8868, 1 → 0, 113, 226, 255; without the sigmoid 0, ⅓, ⅔, 1 → 0, 85, 170, 255.
    func testSigmoidBeforeMinMaxForBiRefNet() {
        let logits = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map { Float(-2 + 2 * ($0 % 4)) })
        let withSigmoid = ModelPreset.birefnet().finish(logits, width: 4, height: 4)
        let plain = ModelPreset.bria().finish(logits, width: 4, height: 4)
        for (got, want) in zip(withSigmoid.pixels.prefix(4), [0, 113, 226, 255] as [Int]) {
            XCTAssertLessThanOrEqual(abs(Int(got) - want), 1, "BiRefNet: \(Array(withSigmoid.pixels.prefix(4)))")
        }
        for (got, want) in zip(plain.pixels.prefix(4), [0, 85, 170, 255] as [Int]) {
            XCTAssertLessThanOrEqual(abs(Int(got) - want), 1, "RMBG: \(Array(plain.pixels.prefix(4)))")
        }
    }

    func testMODNetInputSizes() {
        let p = ModelPreset.modnet()
        // Shorter side above 512: scaled to 512, the other side ⌊1500/1200 · 512⌋ = 640.
        XCTAssertTrue(p.inputSize(width: 1200, height: 1500) == (640, 512))
        // Longer side below 512: the shorter side goes up to 512, the other ⌊300/200 · 512⌋ = 768.
        XCTAssertTrue(p.inputSize(width: 300, height: 200) == (512, 768))
        // Otherwise the size is kept, rounded down to multiples of 32.
        XCTAssertTrue(p.inputSize(width: 600, height: 400) == (384, 576))
        XCTAssertTrue(ModelPreset.modnet(size: 256).inputSize(width: 1000, height: 1000) == (256, 256))
    }

    func testAreaResizeAveragesAdaptiveSpans() {
        // 4 → 2: pairs; 2 → 4: each value twice; 3 → 2: spans [0, 2) and [1, 3).
        XCTAssertEqual(AreaResize.resize([1, 3, 5, 7], width: 4, height: 1, channels: 1, outWidth: 2, outHeight: 1), [2, 6])
        XCTAssertEqual(AreaResize.resize([1, 5], width: 2, height: 1, channels: 1, outWidth: 4, outHeight: 1), [1, 1, 5, 5])
        XCTAssertEqual(AreaResize.resize([1, 3, 8], width: 3, height: 1, channels: 1, outWidth: 2, outHeight: 1), [2, 5.5])
        // Two channels, two dimensions: a 2 × 2 block average per channel.
        let src: [Float] = [0, 10, 2, 20, 4, 30, 6, 40]
        XCTAssertEqual(AreaResize.resize(src, width: 2, height: 2, channels: 2, outWidth: 1, outHeight: 1), [3, 25])
    }

    func testMODNetScalesToPlusMinusOneAndReturnsTheMatte() {
        // 64 × 32 photo with reference size 32: black left half, white right half → kept size 32 × 64,
        // values −1 and 1.
        var rgb = [UInt8](repeating: 0, count: 64 * 32 * 3)
        for y in 0..<32 { for x in 32..<64 { for c in 0..<3 { rgb[(y * 64 + x) * 3 + c] = 255 } } }
        let input = ModelPreset.modnet(size: 32).prepare(Image(width: 64, height: 32, rgb: rgb))
        XCTAssertEqual(input.shape, [1, 3, 32, 64])
        XCTAssertEqual(input.floats[0], -1)
        XCTAssertEqual(input.floats[63], 1)
        // The matte is used as it is (no min-max), resized back by area.
        let matte = ModelPreset.modnet().finish(Tensor(shape: [1, 1, 1, 2], values: [0.5, 1]), width: 4, height: 2)
        XCTAssertEqual(matte.pixels, [128, 128, 255, 255, 128, 128, 255, 255])
    }
}
