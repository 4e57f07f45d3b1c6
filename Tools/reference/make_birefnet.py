"""A BiRefNet-lite-style graph with random weights (Tools/make-model-graphs.sh): BiRefNet's Swin-T backbone
(models/backbones/swin_v1.py) and a CNN decoder after models/birefnet.py, written as `torch.onnx.export` writes them.

Backbone (embed 96, depths 2-2-6-2, heads 3-6-12-24, window 7, MLP ratio 4): patch embedding (4×4 stride-4 Conv,
flatten, LayerNorm); per block LayerNorm, the map padded to a multiple of the window (Pad), the cyclic shift of odd
blocks as torch.roll exports it (Slice + Concat per axis, INT64_MAX ends), window partition (Reshape + Transpose),
attention (qkv MatMul, Gather of q/k/v, scaled QKᵀ, the relative-position bias as Gather of a constant table with a
constant index, the shift mask — −inf as BiRefNet's swin_v1 writes it, or −100 as the original Swin code does —
added through a 5-D Reshape, Softmax, AV), window reverse, the roll back, Slice off the padding, residual Add, MLP with
GELU as Div/Erf/Add/Mul/Mul; PatchMerging (strided Slices, Concat, LayerNorm, MatMul); a LayerNorm per stage output.
LayerNorm is opset 17's LayerNormalization, or (--layernorm decomposed, opset 16) the ReduceMean/Sub/Pow/ReduceMean/
Add/Sqrt/Div/Mul/Add form older exports write.

Decoder (BiRefNet's with `cxt` and `squeeze_block`, lateral blocks, no input-patch branch): the first three stages'
maps resized (bilinear, align_corners, sizes read in the graph) to the last one's size and concatenated with it;
squeeze BasicDecBlk and decoder_block4, each Conv → ReLU → ASPPDeformable (four deformable convs — 1×1 with padding
0, 1×1, 3×3, 7×7 — each DeformableConv2d with its offset and modulator convs; a global-pool branch; 1×1 fuse) → Conv;
then Resize + lateral 1×1 Conv + Add and a plain BasicDecBlk per level up to 1/4, a Resize to the input size, a 1×1
Conv and a Sigmoid. The squeeze block's deformable convs use deform_conv2d_onnx_exporter's encoding, decoder_block4's
ONNX's DeformConv (opset 19); at opset 16 both use the exporter's encoding.

  python make_birefnet.py OUT_DIR [--size 1024,1024] [--layernorm fused|decomposed] [--fixture] [--no-measure]
"""
import argparse
import os
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

import graph_builder as gb

INT64_MAX = 2 ** 63 - 1


class Swin:
    def __init__(self, b, layernorm, mask_value, window=7):
        self.b, self.layernorm, self.mask_value, self.ws = b, layernorm, mask_value, window

    def ln(self, x, c):
        b = self.b
        gamma = b.weight((1 + 0.1 * b.rng.standard_normal(c)).astype(np.float32), "ln_g")
        beta = b.weight((0.02 * b.rng.standard_normal(c)).astype(np.float32), "ln_b")
        if self.layernorm == "fused":
            return b.node("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=1e-5)

        def mean(v):
            if b.opset >= 18:
                return b.node("ReduceMean", [v, b.i64([-1])], keepdims=1)
            return b.node("ReduceMean", [v], axes=[-1], keepdims=1)
        d = b.node("Sub", [x, mean(x)])
        var = mean(b.node("Pow", [d, b.const(np.array(2, np.float32))]))
        s = b.node("Sqrt", [b.node("Add", [var, b.const(np.array(1e-5, np.float32))])])
        return b.node("Add", [b.node("Mul", [b.node("Div", [d, s]), gamma]), beta])

    def gelu(self, x):
        b = self.b
        e = b.node("Erf", [b.node("Div", [x, b.const(np.array(1.4142135381698608, np.float32))])])
        return b.node("Mul", [b.node("Mul", [x, b.node("Add", [e, b.const(np.array(1, np.float32))])]),
                              b.const(np.array(0.5, np.float32))])

    def roll(self, x, shift, axes):
        """torch.roll(x, shifts=(shift, shift), dims=axes) as exported: per axis Slice(−shift:) and Slice(:−shift), Concat."""
        b = self.b
        for axis in axes:
            x = b.node("Concat", [b.slice(x, [-shift], [INT64_MAX], [axis]), b.slice(x, [0], [-shift], [axis])], axis=axis)
        return x

    def shift_mask(self, hp, wp, shift):
        ws = self.ws
        img = np.zeros((hp, wp), np.float32)
        cnt = 0
        for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                img[hs, wsl] = cnt
                cnt += 1
        win = img.reshape(hp // ws, ws, wp // ws, ws).transpose(0, 2, 1, 3).reshape(-1, ws * ws)
        diff = win[:, None, :] - win[:, :, None]
        return np.where(diff != 0, np.float32(self.mask_value), np.float32(0)).astype(np.float32)

    def relative_index(self):
        ws = self.ws
        coords = np.stack(np.meshgrid(np.arange(ws), np.arange(ws), indexing="ij")).reshape(2, -1)
        rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0).copy()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        return rel.sum(-1).astype(np.int64).reshape(-1)

    def attention(self, x, c, heads, mask):
        b, n = self.b, self.ws * self.ws
        hd = c // heads
        qkv = b.reshape(b.linear(x, c, 3 * c), [-1, n, 3, heads, hd])
        qkv = b.node("Transpose", [qkv], perm=[2, 0, 3, 1, 4])
        q, k, v = (b.node("Gather", [qkv, b.const(np.array(i, np.int64))], axis=0) for i in range(3))
        q = b.node("Mul", [q, b.const(np.array(hd ** -0.5, np.float32))])
        attn = b.node("MatMul", [q, b.node("Transpose", [k], perm=[0, 1, 3, 2])])
        table = b.weight((0.5 * b.rng.standard_normal(((2 * self.ws - 1) ** 2, heads))).astype(np.float32), "rpb")
        bias = b.node("Gather", [table, b.const(self.relative_index())], axis=0)
        bias = b.node("Transpose", [b.reshape(bias, [n, n, -1])], perm=[2, 0, 1])
        attn = b.node("Add", [attn, b.unsqueeze(bias, [0])])
        if mask is not None:
            nw = mask.shape[0]
            m = b.unsqueeze(b.unsqueeze(b.const(mask), [1]), [0])
            attn = b.reshape(b.node("Add", [b.reshape(attn, [-1, nw, heads, n, n]), m]), [-1, heads, n, n])
        attn = b.node("Softmax", [attn], axis=-1)
        y = b.node("Transpose", [b.node("MatMul", [attn, v])], perm=[0, 2, 1, 3])
        return b.linear(b.reshape(y, [-1, n, c]), c, c)

    def block(self, x, c, heads, h, w, shift):
        b, ws = self.b, self.ws
        shortcut = x
        y = b.reshape(self.ln(x, c), [1, h, w, c])
        pad_r, pad_b = (ws - w % ws) % ws, (ws - h % ws) % ws
        if pad_r or pad_b:
            y = b.node("Pad", [y, b.i64([0, 0, 0, 0, 0, pad_b, pad_r, 0])], mode="constant")
        hp, wp = h + pad_b, w + pad_r
        mask = None
        if shift:
            y = self.roll(y, -shift, [1, 2])
            mask = self.shift_mask(hp, wp, shift)
        y = b.reshape(y, [1, hp // ws, ws, wp // ws, ws, c])
        y = b.reshape(b.reshape(b.node("Transpose", [y], perm=[0, 1, 3, 2, 4, 5]), [-1, ws, ws, c]), [-1, ws * ws, c])
        y = self.attention(y, c, heads, mask)
        y = b.reshape(b.reshape(y, [-1, ws, ws, c]), [1, hp // ws, wp // ws, ws, ws, c])
        y = b.reshape(b.node("Transpose", [y], perm=[0, 1, 3, 2, 4, 5]), [1, hp, wp, c])
        if shift:
            y = self.roll(y, shift, [1, 2])
        if pad_r or pad_b:
            y = b.slice(y, [0, 0], [h, w], [1, 2])
        x = b.node("Add", [shortcut, b.reshape(y, [1, h * w, c])])
        m = b.linear(self.gelu(b.linear(self.ln(x, c), c, 4 * c, gain=2.0)), 4 * c, c)
        return b.node("Add", [x, m])

    def merge(self, x, c, h, w):
        b = self.b
        y = b.reshape(x, [1, h, w, c])
        parts = [b.slice(y, [i, j], [INT64_MAX, INT64_MAX], [1, 2], [2, 2]) for i, j in ((0, 0), (1, 0), (0, 1), (1, 1))]
        y = b.reshape(b.node("Concat", parts, axis=-1), [1, -1, 4 * c])
        return b.linear(self.ln(y, 4 * c), 4 * c, 2 * c, bias=False)

    def backbone(self, x, size, embed, depths, heads):
        b = self.b
        h, w = size[0] // 4, size[1] // 4
        y = b.conv(x, 3, embed, 4, stride=4, pad=0, gain=1.0)
        y = b.node("Transpose", [b.reshape(y, [1, embed, -1])], perm=[0, 2, 1])
        y = self.ln(y, embed)
        y = b.reshape(b.node("Transpose", [y], perm=[0, 2, 1]), [-1, embed, h, w])
        y = b.node("Transpose", [b.reshape(y, [1, embed, -1])], perm=[0, 2, 1])
        outs, c = [], embed
        for i, (depth, nh) in enumerate(zip(depths, heads)):
            for j in range(depth):
                y = self.block(y, c, nh, h, w, 0 if j % 2 == 0 else self.ws // 2)
            out = b.node("Transpose", [b.reshape(self.ln(y, c), [-1, h, w, c])], perm=[0, 3, 1, 2])
            outs.append((out, c))
            if i < len(depths) - 1:
                y = self.merge(y, c, h, w)
                c, h, w = 2 * c, (h + 1) // 2, (w + 1) // 2
        return outs


def build(size, layernorm="fused", mask_value=float("-inf"), embed=96, depths=(2, 2, 6, 2), heads=(3, 6, 12, 24),
          inter=64, aspp=256, att="aspp-deformable", out_affine=None, seed=2024):
    opset = 19 if layernorm == "fused" else 16
    b = gb.Builder(seed, opset)
    swin = Swin(b, layernorm, mask_value)
    (x1, c1), (x2, c2), (x3, c3), (x4, c4) = swin.backbone("input", size, embed, depths, heads)
    relu = lambda v: b.node("Relu", [v])
    up = lambda src, tgt: b.resize_like(src, tgt, align_corners=True)

    def aspp_deformable(x, cin, encoding):
        branches = []
        for k, pad in ((1, 0), (1, 0), (3, 1), (7, 3)):
            p = gb.DeformParams(1, cin, aspp, *size_of[x], k, pad=pad)
            branches.append(relu(gb.deformable_block(b, x, p, encoding, bias=False)))
        g = relu(b.conv(b.node("GlobalAveragePool", [x]), cin, aspp, 1, bias=False))
        branches.append(up(g, branches[0]))
        return relu(b.conv(b.node("Concat", branches, axis=1), 5 * aspp, cin, 1, bias=False))

    def dec_blk(x, cin, cout, encoding=None):
        y = relu(b.conv(x, cin, inter, 3))
        if encoding and att == "aspp-deformable":
            size_of[y] = size_of[x]
            y = aspp_deformable(y, inter, encoding)
        return b.conv(y, inter, cout, 3, gain=1.0)

    s32 = (size[0] // 32, size[1] // 32)
    size_of = {}
    x4 = b.node("Concat", [up(x1, x4), up(x2, x4), up(x3, x4), x4], axis=1)
    size_of[x4] = s32
    x4 = dec_blk(x4, c1 + c2 + c3 + c4, c4, "exporter")
    size_of[x4] = s32
    p4 = dec_blk(x4, c4, c3, "native" if opset >= 19 else "exporter")
    p3 = dec_blk(b.node("Add", [up(p4, x3), b.conv(x3, c3, c3, 1, gain=1.0)]), c3, c2)
    p2 = dec_blk(b.node("Add", [up(p3, x2), b.conv(x2, c2, c2, 1, gain=1.0)]), c2, c1)
    p1 = dec_blk(b.node("Add", [up(p2, x1), b.conv(x1, c1, c1, 1, gain=1.0)]), c1, c1 // 2)
    p1 = up(p1, "input")
    wgt, bias = b.conv_weight(c1 // 2, 1, 1, gain=1.0), np.zeros(1, np.float32)
    if out_affine is not None:
        mean, std = out_affine
        wgt, bias = (wgt * 1.5 / std).astype(np.float32), np.array([-mean * 1.5 / std], np.float32)
    logits = b.conv(p1, c1 // 2, 1, 1, w=wgt, b=bias)
    b.node("Sigmoid", [logits])
    b.nodes[-1].output[0] = "output"
    outs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, size[0], size[1]])]
    if out_affine is None:
        outs.append(helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, 1, size[0], size[1]]))
    return gb.finish(b, "birefnet_lite_style", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size[0], size[1]])],
                     outs, opset, "make_birefnet")


def make(out, size, stem, measure, runs, **kw):
    x = np.random.default_rng(77).standard_normal((1, 3, size[0], size[1])).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.onnx")
        onnx.save(build(size, **kw), path)
        logits = gb.session(path).run(None, {"input": x})[1]
    model = build(size, out_affine=(float(logits.mean()), float(logits.std())), **kw)
    ys, row = gb.save_and_measure(model, out if stem else os.path.join(out), stem, x, measure=measure, runs=runs)
    print(f"{row['path']}: {row['mb']:.2f} MB, {row['nodes']} nodes, opset {model.opset_import[0].version}")
    print(gb.describe("output", ys[0]))
    row["output"] = ys[0]
    return row


def same_function(a, b):
    """The decomposed graph (opset 16, −100 mask, exporter-encoded deformable convs) computes the same function
    with the same weights as the fused one: ONNX Runtime's outputs must agree."""
    d = np.abs(a["output"] - b["output"])
    print(f"  {a['graph']} vs {b['graph']}: max-abs {d.max():.3g}, mean-abs {d.mean():.3g}")
    assert d.max() < 1e-4, "the two LayerNorm / deformable encodings disagree"


def main():
    a = argparse.ArgumentParser()
    a.add_argument("out")
    a.add_argument("--sizes", nargs="*", default=["1024,1024", "256,256"], help="H,W of each full-size graph")
    a.add_argument("--layernorm", choices=["fused", "decomposed", "both"], default="both",
                   help="both: the fused graphs at every size, the decomposed one at the last size")
    a.add_argument("--fixture", action="store_true", help="reduced variants into OUT/birefnet-small*/")
    a.add_argument("--no-measure", action="store_true")
    a.add_argument("--runs", type=int, default=5)
    args = a.parse_args()
    if args.fixture:
        small = dict(embed=8, depths=(2, 2, 2, 2), heads=(1, 2, 2, 4), inter=8, aspp=8)
        fused = make(os.path.join(args.out, "birefnet-small"), (128, 96), None, False, 0, **small)
        decomposed = make(os.path.join(args.out, "birefnet-small-decomposed"), (128, 96), None, False, 0,
                          layernorm="decomposed", mask_value=-100.0, **small)
        same_function(fused, decomposed)
        make(os.path.join(args.out, "swin-small"), (96, 128), None, False, 0, att="none", **small)
        return
    rows = []
    sizes = [tuple(map(int, s.split(","))) for s in args.sizes]
    name = lambda s: f"{s[0]}" if s[0] == s[1] else f"{s[0]}x{s[1]}"
    if args.layernorm in ("fused", "both"):
        for s in sizes:
            rows.append(make(args.out, s, f"birefnet-{name(s)}", not args.no_measure, args.runs))
    if args.layernorm in ("decomposed", "both"):
        s = sizes[-1]
        rows.append(make(args.out, s, f"birefnet-decomposed-{name(s)}", not args.no_measure, args.runs,
                         layernorm="decomposed", mask_value=-100.0))
        same = [r for r in rows[:-1] if r["input"] == rows[-1]["input"]]
        if same:
            same_function(same[0], rows[-1])
    if not args.no_measure:
        gb.print_table(rows)


if __name__ == "__main__":
    main()
