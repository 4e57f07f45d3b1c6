"""IS-Net (DIS's ISNetDIS, as rembg's isnet-general-use / isnet-anime run it) with random weights
(Tools/make-model-graphs.sh).

The exact channel configuration of DIS's isnet.py: a stride-2 3×3 stem conv (no BatchNorm, no ReLU), RSU7(64,32,64)
→ RSU6(64,32,128) → RSU5(128,64,256) → RSU4(256,128,512) → RSU4F(512,256,512) → RSU4F(512,256,512) with 2×2
ceil-mode max pooling between stages, the decoder RSU4F(1024,256,512), RSU4(1024,128,256), RSU5(512,64,128),
RSU6(256,32,64), RSU7(128,16,64); inside each RSU, Conv + BatchNormalization (not folded) + Relu, pooling, a
dilated bottom conv, bilinear resizes to the skip's size read from the graph (Shape → Gather → Concat → Resize with
sizes, pytorch_half_pixel), Concat, the residual Add; six 3×3 side convs, each resized to the input's size and put
through a Sigmoid (d1 first: the mask). Opset 11, static 1×3×S×S input.

Weights are He-scaled; the side convs are then rescaled so each side's logits have mean 0 and std 1.5 on the
reference input (outputs neither saturated nor flat — their statistics are printed).

  python make_isnet.py OUT_DIR [--size 1024] [--width 1.0] [--fixture] [--no-measure]
"""
import argparse

import numpy as np
from onnx import TensorProto, helper

import graph_builder as gb

OPSET = 11


def build(size, width, side_affine=None, seed=512):
    h, w = size
    b = gb.Builder(seed, OPSET)
    ch = (lambda c: c) if width == 1 else (lambda c: max(4, int(round(c * width))))

    def rebn(x, cin, cout, d=1):
        return b.node("Relu", [b.bn(b.conv(x, cin, cout, 3, dilation=d), cout)])

    def pool(x):
        return b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)

    def cat(*xs):
        return b.node("Concat", list(xs), axis=1)

    def rsu(x, levels, cin, mid, cout):
        cin, mid, cout = cin, ch(mid), ch(cout)
        hxin = rebn(x, cin, cout)
        enc = [rebn(hxin, cout, mid)]
        for _ in range(2, levels):
            enc.append(rebn(pool(enc[-1]), mid, mid))
        d = rebn(cat(rebn(enc[-1], mid, mid, 2), enc[-1]), 2 * mid, mid)
        for i in range(levels - 3, -1, -1):
            d = rebn(cat(b.resize_like(d, enc[i]), enc[i]), 2 * mid, cout if i == 0 else mid)
        return b.node("Add", [d, hxin]), cout

    def rsu4f(x, cin, mid, cout):
        mid, cout = ch(mid), ch(cout)
        hxin = rebn(x, cin, cout)
        h1 = rebn(hxin, cout, mid)
        h2 = rebn(h1, mid, mid, 2)
        h3 = rebn(h2, mid, mid, 4)
        h4 = rebn(h3, mid, mid, 8)
        d = rebn(cat(h4, h3), 2 * mid, mid, 4)
        d = rebn(cat(d, h2), 2 * mid, mid, 2)
        d = rebn(cat(d, h1), 2 * mid, cout)
        return b.node("Add", [d, hxin]), cout

    x = "input"
    hxin = b.conv(x, 3, ch(64), 3, stride=2)
    hx1, c1 = rsu(hxin, 7, ch(64), 32, 64)
    hx2, c2 = rsu(pool(hx1), 6, c1, 32, 128)
    hx3, c3 = rsu(pool(hx2), 5, c2, 64, 256)
    hx4, c4 = rsu(pool(hx3), 4, c3, 128, 512)
    hx5, c5 = rsu4f(pool(hx4), c4, 256, 512)
    hx6, c6 = rsu4f(pool(hx5), c5, 256, 512)
    hx5d, d5 = rsu4f(cat(b.resize_like(hx6, hx5), hx5), c6 + c5, 256, 512)
    hx4d, d4 = rsu(cat(b.resize_like(hx5d, hx4), hx4), 4, d5 + c4, 128, 256)
    hx3d, d3 = rsu(cat(b.resize_like(hx4d, hx3), hx3), 5, d4 + c3, 64, 128)
    hx2d, d2 = rsu(cat(b.resize_like(hx3d, hx2), hx2), 6, d3 + c2, 32, 64)
    hx1d, d1 = rsu(cat(b.resize_like(hx2d, hx1), hx1), 7, d2 + c1, 16, 64)
    logits, outputs = [], []
    for k, (feat, c) in enumerate([(hx1d, d1), (hx2d, d2), (hx3d, d3), (hx4d, d4), (hx5d, d5), (hx6, c6)]):
        wgt = b.conv_weight(c, 1, 3, gain=1.0)
        bias = (b.rng.standard_normal(1) * 0.05).astype(np.float32)
        if side_affine is not None:
            mean, std = side_affine[k]
            s = 1.5 / std
            wgt, bias = (wgt * s).astype(np.float32), ((bias - mean) * s).astype(np.float32)
        d = b.conv(feat, c, 1, 3, w=wgt, b=bias)
        logits.append(d)
        outputs.append(b.node("Sigmoid", [b.resize_like(d, x)]))
    names = [f"output_{k}" for k in range(6)]
    for node in b.nodes:
        for j, o in enumerate(node.output):
            if o in outputs:
                node.output[j] = names[outputs.index(o)]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, h, w]) for n in names]
    if side_affine is None:
        outs += [helper.make_tensor_value_info(l, TensorProto.FLOAT, [1, 1, None, None]) for l in logits]
    return gb.finish(b, "isnet", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])], outs,
                     OPSET, "make_isnet")


def main():
    a = argparse.ArgumentParser()
    a.add_argument("out")
    a.add_argument("--size", default="1024,1024", help="H,W")
    a.add_argument("--width", type=float, default=1.0, help="channel multiplier (fixture: 0.08)")
    a.add_argument("--fixture", action="store_true", help="reduced variant: OUT/{model.onnx,input_0.npy,output_K.npy}")
    a.add_argument("--no-measure", action="store_true")
    a.add_argument("--runs", type=int, default=5)
    args = a.parse_args()
    if args.fixture:
        args.size, args.width = ("96,80" if args.size == "1024,1024" else args.size), (0.08 if args.width == 1 else args.width)
    h, w = map(int, args.size.split(","))
    x = np.random.default_rng(99).uniform(-0.5, 0.5, (1, 3, h, w)).astype(np.float32)
    # Pass 1: the side logits' statistics; pass 2: the same weights with the side convs rescaled.
    import os, tempfile
    probe = build((h, w), args.width)
    with tempfile.TemporaryDirectory() as tmp:
        import onnx
        path = os.path.join(tmp, "probe.onnx")
        onnx.save(probe, path)
        ys = gb.session(path).run(None, {"input": x})[6:]
        del probe
    affine = [(float(y.mean()), float(y.std())) for y in ys]
    model = build((h, w), args.width, affine)
    stem = None if args.fixture else f"isnet-{h}" if h == w else f"isnet-{h}x{w}"
    outs, row = gb.save_and_measure(model, args.out, stem, x, measure=not (args.no_measure or args.fixture),
                                    runs=args.runs, extra_outputs=True)
    print(f"{row['path']}: {row['mb']:.2f} MB, {row['nodes']} nodes, opset {OPSET}")
    for k, y in enumerate(outs):
        print(gb.describe(f"output_{k}", y))
    if "median_ms" in row:
        gb.print_table([row])


if __name__ == "__main__":
    main()
