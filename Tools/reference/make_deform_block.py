"""A deformable-convolution block alone, in both encodings, with the same weights (Tools/make-model-graphs.sh).

Input [1, C, H, W] → BiRefNet's DeformableConv2d: an offset Conv (2·k² channels), a modulator Conv → Sigmoid → ×2
(DCNv2's mask), then the deformable convolution written either as ONNX's `DeformConv` (opset 19) or as the op chain
of `deform_conv2d_onnx_exporter` (opset 17, as BiRefNet's export notebook runs it: Pad, index arithmetic, Floor,
Cast to int64, Clip, four GatherND with batch_dims=2, bilinear weights, Sum, the reshape to [B, C, H·k, W·k] and a
Conv with kernel k and stride k). ONNX Runtime runs both; their outputs must agree (asserted here). The output is
a raw feature map (no sigmoid).

  python make_deform_block.py OUT_DIR --kernel 3 --channels 64 --size 256,256 [--stride 1 --dilation 1
      --groups 1 --offset-groups 1 --pad P] [--fixture] [--no-measure]
"""
import argparse

import numpy as np
from onnx import TensorProto, helper

import graph_builder as gb


def build(encoding, p, seed):
    opset = 19 if encoding == "native" else 17
    b = gb.Builder(seed, opset)
    y = gb.deformable_block(b, "input", p, encoding)
    b.nodes[-1].output[0] = "output"
    return gb.finish(b, f"deform{p.k}_{encoding}",
                     [helper.make_tensor_value_info("input", TensorProto.FLOAT, [p.batch, p.cin, p.h, p.w])],
                     [helper.make_tensor_value_info("output", TensorProto.FLOAT, [p.batch, p.cout, p.out_h, p.out_w])],
                     opset, "make_deform_block")


def main():
    a = argparse.ArgumentParser()
    a.add_argument("out")
    a.add_argument("--kernel", type=int, default=3)
    a.add_argument("--channels", type=int, default=64)
    a.add_argument("--out-channels", type=int)
    a.add_argument("--size", default="256,256", help="H,W")
    a.add_argument("--stride", type=int, default=1)
    a.add_argument("--dilation", type=int, default=1)
    a.add_argument("--groups", type=int, default=1)
    a.add_argument("--offset-groups", type=int, default=1)
    a.add_argument("--pad", type=int)
    a.add_argument("--seed", type=int, default=2016)
    a.add_argument("--name", help="graph name stem (default deformK)")
    a.add_argument("--fixture", action="store_true", help="write OUT/<name>-<encoding>/{model.onnx,input_0.npy,output_0.npy}")
    a.add_argument("--no-measure", action="store_true")
    a.add_argument("--runs", type=int, default=5)
    args = a.parse_args()
    h, w = map(int, args.size.split(","))
    p = gb.DeformParams(1, args.channels, args.out_channels or args.channels, h, w, args.kernel, args.stride,
                        args.pad, args.dilation, args.groups, args.offset_groups)
    x = np.random.default_rng(args.seed + 1).standard_normal((1, p.cin, h, w)).astype(np.float32)
    stem = args.name or f"deform{p.k}"
    outs, rows = {}, []
    for encoding in ("native", "exporter"):
        model = build(encoding, p, args.seed)
        if args.fixture:
            ys, row = gb.save_and_measure(model, f"{args.out}/{stem}-{encoding}", None, x, measure=False)
        else:
            ys, row = gb.save_and_measure(model, args.out, f"{stem}-{encoding}", x, measure=not args.no_measure, runs=args.runs)
        outs[encoding] = ys[0]
        rows.append(row)
        print(f"{row['path']}: {row['mb']:.2f} MB, {row['nodes']} nodes, opset {model.opset_import[0].version}")
        print(gb.describe("output", ys[0]))
    diff = np.abs(outs["native"] - outs["exporter"])
    scale = np.abs(outs["native"]).max()
    print(f"  native vs exporter encoding: max-abs {diff.max():.3g}, mean-abs {diff.mean():.3g} (max |output| {scale:.3g})")
    assert diff.max() <= 1e-4 * scale + 1e-5, "the two encodings disagree"
    if not args.no_measure and not args.fixture:
        gb.print_table(rows)
    return rows


if __name__ == "__main__":
    main()
