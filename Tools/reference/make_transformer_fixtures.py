"""Op cases for the transformer kernels and passes (Tests/NNRuntimeTests/Fixtures/ops/<case>/, ONNX Runtime's
outputs): batched and broadcast MatMul, 1-D operands, Gemm, MatMul + bias + GELU + residual, the GELU chain alone and
a near-miss, LayerNormalization (opset 17) with and without bias, the decomposed LayerNorm and a near-miss, Softmax
with a relative-position bias and a −inf shift mask added through a 5-D view, and Swin's window padding, roll and
partition chain, attention (scores, softmax with bias and mask, product with V) fused and three near-misses, a
segmentation head (Resize, then a narrowing 1×1 Conv) with its near-misses, and a pair of inverse Transposes
with Reshapes between them and a near-miss.
Run through Tools/make-fixtures.sh after make_fixtures.py (its own seed: the other cases stay as
they are)."""
import numpy as np
from onnx import helper, numpy_helper

import make_fixtures as mf

rng = np.random.default_rng(20261129)
INT64_MAX = 2 ** 63 - 1


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def i64(name, values):
    return init(name, np.array(values, np.int64))


def scalar(name, v):
    return init(name, np.array(v, np.float32))


def gelu_nodes(x, y, p, div=1.4142135381698608, order="x_first"):
    nodes = [helper.make_node("Div", [x, p + "sqrt2"], [p + "t"]), helper.make_node("Erf", [p + "t"], [p + "e"]),
             helper.make_node("Add", [p + "e", p + "one"], [p + "a"])]
    if order == "x_first":
        nodes += [helper.make_node("Mul", [x, p + "a"], [p + "m"]), helper.make_node("Mul", [p + "m", p + "half"], [y])]
    else:
        nodes += [helper.make_node("Mul", [x, p + "half"], [p + "h"]), helper.make_node("Mul", [p + "h", p + "a"], [y])]
    inits = [scalar(p + "sqrt2", div), scalar(p + "one", 1.0), scalar(p + "half", 0.5)]
    return nodes, inits


def case(name, nodes, inputs, inits=(), opset=13):
    ins = [mf.fin(n, list(v.shape)) for n, v in inputs]
    mf.write_case(name, mf.graph_model(nodes, ins, [mf.fout("Y")], inits, opset=opset), [v for _, v in inputs])


def matmul_cases():
    case("matmul_batched_broadcast", [helper.make_node("MatMul", ["A", "B"], ["Y"])],
         [("A", randn(2, 3, 5, 4)), ("B", randn(3, 4, 6))])
    case("matmul_1d_left", [helper.make_node("MatMul", ["A", "B"], ["Y"])], [("A", randn(4)), ("B", randn(2, 4, 3))])
    case("matmul_1d_right_constant", [helper.make_node("MatMul", ["A", "W"], ["Y"])], [("A", randn(2, 3, 4))],
         [init("W", randn(4))])
    case("matmul_weight_bias", [helper.make_node("MatMul", ["X", "W"], ["m"]), helper.make_node("Add", ["m", "b"], ["Y"])],
         [("X", randn(1, 300, 16))], [init("W", randn(16, 24) * 0.25), init("b", randn(24))])
    case("matmul_transposed_operand",
         [helper.make_node("Transpose", ["K"], ["kt"], perm=[0, 1, 3, 2]), helper.make_node("MatMul", ["Q", "kt"], ["Y"])],
         [("Q", randn(2, 3, 7, 8)), ("K", randn(2, 3, 7, 8))])
    case("gemm_transB_alpha_beta", [helper.make_node("Gemm", ["A", "B", "C"], ["Y"], transB=1, alpha=0.5, beta=2.0)],
         [("A", randn(5, 8))], [init("B", randn(6, 8)), init("C", randn(6))])
    # Linear → GELU → Linear + residual (a Swin MLP): one MatMul with the GELU epilogue, one with the residual.
    g, gi = gelu_nodes("h", "g", "g_")
    case("matmul_gelu_fused",
         [helper.make_node("MatMul", ["X", "W1"], ["m1"]), helper.make_node("Add", ["m1", "b1"], ["h"])] + g +
         [helper.make_node("MatMul", ["g", "W2"], ["m2"]), helper.make_node("Add", ["m2", "b2"], ["o"]),
          helper.make_node("Add", ["X", "o"], ["Y"])],
         [("X", randn(1, 50, 16))], [init("W1", randn(16, 64) * 0.5), init("b1", randn(64)), init("W2", randn(64, 16) * 0.125),
                                     init("b2", randn(16))] + gi)
    g, gi = gelu_nodes("X", "Y", "g_", order="half_first")
    case("gelu_chain_alone", g, [("X", randn(3, 37) * 3)], gi)
    g, gi = gelu_nodes("X", "Y", "g_", div=1.5)
    case("gelu_chain_near_miss", g, [("X", randn(3, 37) * 3)], gi)


def layernorm_cases():
    case("layernorm_axis_last_bias", [helper.make_node("LayerNormalization", ["X", "g", "b"], ["Y"], axis=-1, epsilon=1e-5)],
         [("X", randn(2, 7, 24) * 3 + 1)], [init("g", randn(24)), init("b", randn(24))], opset=17)
    case("layernorm_no_bias_odd", [helper.make_node("LayerNormalization", ["X", "g"], ["Y"], axis=-1, epsilon=1e-6)],
         [("X", randn(3, 5, 13) + 4)], [init("g", randn(13))], opset=17)

    def decomposed(name, numerator="d"):
        nodes = [helper.make_node("ReduceMean", ["X"], ["mean"], axes=[-1]), helper.make_node("Sub", ["X", "mean"], ["d"]),
                 helper.make_node("Pow", ["d", "two"], ["sq"]), helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
                 helper.make_node("Add", ["var", "eps"], ["ve"]), helper.make_node("Sqrt", ["ve"], ["sd"]),
                 helper.make_node("Div", [numerator, "sd"], ["n"]), helper.make_node("Mul", ["n", "g"], ["s"]),
                 helper.make_node("Add", ["s", "b"], ["Y"])]
        case(name, nodes, [("X", randn(1, 20, 40) * 2 - 1)],
             [scalar("two", 2.0), scalar("eps", 1e-5), init("g", randn(40)), init("b", randn(40))], opset=16)
    decomposed("layernorm_decomposed")
    # One input changed: the Div scales x itself, not x − mean.
    decomposed("layernorm_decomposed_near_miss", numerator="X")


def softmax_cases():
    case("softmax_last_axis", [helper.make_node("Softmax", ["X"], ["Y"], axis=-1)], [("X", randn(4, 37) * 4)])
    # Swin's attention logits: + relative-position bias [1, heads, n, n], then through a 5-D view + the shift mask
    # [1, windows, 1, n, n] with −inf where two positions lie in different regions, then Softmax.
    windows, heads, n = 4, 3, 16
    regions = rng.integers(0, 3, size=(windows, n))
    mask = np.where(regions[:, :, None] != regions[:, None, :], -np.inf, 0).astype(np.float32)[None, :, None]
    nodes = [helper.make_node("Add", ["X", "bias"], ["a"]), helper.make_node("Reshape", ["a", "s5"], ["a5"]),
             helper.make_node("Add", ["a5", "mask"], ["m5"]), helper.make_node("Reshape", ["m5", "s4"], ["m4"]),
             helper.make_node("Softmax", ["m4"], ["Y"], axis=-1)]
    case("softmax_bias_and_mask_add", nodes, [("X", randn(2 * windows, heads, n, n) * 2)],
         [init("bias", randn(1, heads, n, n)), init("mask", mask), i64("s5", [-1, windows, heads, n, n]),
          i64("s4", [-1, heads, n, n])])


def window_cases():
    # [1, H, W, C] padded to a multiple of the window, rolled by −3 on H and W (Slice + Concat per axis, as
    # torch.roll exports), partitioned into 7×7 windows (Reshape, Transpose, Reshape), a MatMul, and reversed.
    h, w, c, ws, shift = 12, 19, 8, 7, 3
    hp, wp = 14, 21
    nodes = [helper.make_node("Pad", ["X", "pads"], ["p"], mode="constant")]
    x = "p"
    for axis in (1, 2):
        nodes += [helper.make_node("Slice", [x, f"st{axis}a", "big", f"ax{axis}"], [f"r{axis}a"]),
                  helper.make_node("Slice", [x, "zero", f"st{axis}a", f"ax{axis}"], [f"r{axis}b"]),
                  helper.make_node("Concat", [f"r{axis}a", f"r{axis}b"], [f"roll{axis}"], axis=axis)]
        x = f"roll{axis}"
    nodes += [helper.make_node("Reshape", [x, "s6"], ["w6"]),
              helper.make_node("Transpose", ["w6"], ["t6"], perm=[0, 1, 3, 2, 4, 5]),
              helper.make_node("Reshape", ["t6", "s4"], ["w4"]), helper.make_node("Reshape", ["w4", "s3"], ["win"]),
              helper.make_node("MatMul", ["win", "W"], ["proj"]),
              helper.make_node("Reshape", ["proj", "r6"], ["b6"]),
              helper.make_node("Transpose", ["b6"], ["u6"], perm=[0, 1, 3, 2, 4, 5]),
              helper.make_node("Reshape", ["u6", "full"], ["Y"])]
    inits = [i64("pads", [0, 0, 0, 0, 0, hp - h, wp - w, 0]), i64("big", [INT64_MAX]), i64("zero", [0]),
             i64("ax1", [1]), i64("ax2", [2]), i64("st1a", [shift]), i64("st2a", [shift]),
             i64("s6", [1, hp // ws, ws, wp // ws, ws, c]), i64("s4", [-1, ws, ws, c]), i64("s3", [-1, ws * ws, c]),
             init("W", randn(c, c) * 0.3), i64("r6", [1, hp // ws, wp // ws, ws, ws, c]), i64("full", [1, hp, wp, c])]
    case("swin_window_pad_roll_partition", nodes, [("X", randn(1, h, w, c))], inits)
    # Patch embedding's flatten and transpose: [1, C, H·W] → [1, H·W, C] (the last axis moves).
    case("transpose_last_axis_moves", [helper.make_node("Transpose", ["X"], ["Y"], perm=[0, 2, 1])], [("X", randn(1, 24, 37))])


def attention_cases():
    # Windowed attention as Swin exports it: q·scale, kᵀ by a Transpose, + relative-position bias, + the shift mask
    # through a 5-D view, Softmax, · v. Sizes on no tile boundary: 23 queries and keys, depth 13, width 11.
    windows, heads, n, d, dv = 2, 3, 23, 13, 11
    regions = rng.integers(0, 3, size=(windows, n))
    mask = np.where(regions[:, :, None] != regions[:, None, :], -100.0, 0).astype(np.float32)[None, :, None]
    def scores(q, k, kt=True):
        nodes = [helper.make_node("Mul", [q, "scale"], ["qs"])]
        if kt:
            nodes.append(helper.make_node("Transpose", [k, ], ["kt"], perm=[0, 1, 3, 2]))
        nodes += [helper.make_node("MatMul", ["qs", "kt" if kt else k], ["s"]),
                  helper.make_node("Add", ["s", "bias"], ["a"]), helper.make_node("Reshape", ["a", "s5"], ["a5"]),
                  helper.make_node("Add", ["a5", "mask"], ["m5"]), helper.make_node("Reshape", ["m5", "s4"], ["m4"])]
        return nodes
    inits = [scalar("scale", d ** -0.5), init("bias", randn(1, heads, n, n)), init("mask", mask),
             i64("s5", [-1, windows, heads, n, n]), i64("s4", [-1, heads, n, n])]
    b = 2 * windows
    q, k, v = randn(b, heads, n, d) * 2, randn(b, heads, n, d) * 2, randn(b, heads, n, dv)
    fused = scores("Q", "K") + [helper.make_node("Softmax", ["m4"], ["p"], axis=-1), helper.make_node("MatMul", ["p", "V"], ["Y"])]
    case("attention_fused", fused, [("Q", q), ("K", k), ("V", v)], inits)
    # K already [d, n] and shared by every window (broadcast batch), V given transposed: both folds still fuse.
    kt, vt = randn(1, heads, d, n) * 2, randn(b, heads, dv, n)
    nodes = scores("Q", "KT", kt=False) + [helper.make_node("Softmax", ["m4"], ["p"], axis=-1),
                                           helper.make_node("Transpose", ["VT"], ["vv"], perm=[0, 1, 3, 2]),
                                           helper.make_node("MatMul", ["p", "vv"], ["Y"])]
    case("attention_broadcast_keys_transposed_values", nodes, [("Q", q), ("KT", kt), ("VT", vt)], inits)
    # Near-misses: LogSoftmax; the probabilities also a graph output; V a constant.
    nodes = scores("Q", "K") + [helper.make_node("LogSoftmax", ["m4"], ["p"], axis=-1), helper.make_node("MatMul", ["p", "V"], ["Y"])]
    # (V scaled down: the masked log-probabilities are about −100, and the case's tolerance is absolute.)
    case("attention_near_miss_logsoftmax", nodes, [("Q", q), ("K", k), ("V", v * 0.01)], inits)
    ins = [mf.fin(name, list(value.shape)) for name, value in [("Q", q), ("K", k), ("V", v)]]
    model = mf.graph_model(fused, ins, [mf.fout("Y"), mf.fout("p")], inits)
    mf.write_case("attention_near_miss_probabilities_output", model, [q, k, v])
    nodes = scores("Q", "K") + [helper.make_node("Softmax", ["m4"], ["p"], axis=-1), helper.make_node("MatMul", ["p", "W"], ["Y"])]
    case("attention_near_miss_constant_values", nodes, [("Q", q), ("K", k)], inits + [init("W", v)])


def head_cases():
    # BiRefNet's head: an align-corners ×4 Resize by explicit sizes, then a 1×1 Conv to one channel.
    x = randn(1, 20, 9, 11)
    conv = lambda inp, out, w, b, **kw: helper.make_node("Conv", [inp, w, b], [out], **kw)
    resize = lambda inp, out, extra, **kw: helper.make_node("Resize", [inp, "roi", *extra], [out], mode="linear", **kw)
    inits = [init("roi", np.zeros(0, np.float32)), i64("sizes", [1, 20, 36, 44]), init("w1", randn(1, 20, 1, 1) * 0.3),
             init("b1", randn(1))]
    case("head_resize_then_pointwise_conv", [resize("X", "r", ["", "sizes"], coordinate_transformation_mode="align_corners"),
                                             conv("r", "Y", "w1", "b1")], [("X", x)], inits, opset=13)
    # Scales and half-pixel, 24 → 3 channels.
    x2 = randn(1, 24, 8, 8)
    inits2 = [init("roi", np.zeros(0, np.float32)), init("scales", np.array([1, 1, 2, 2], np.float32)),
              init("w3", randn(3, 24, 1, 1) * 0.3), init("b3", randn(3))]
    case("head_scaled_resize_then_pointwise_conv", [resize("X", "r", ["scales"], coordinate_transformation_mode="half_pixel"),
                                                    conv("r", "Y", "w3", "b3")], [("X", x2)], inits2, opset=13)
    # Near-misses: a 3×3 window; the resized tensor also a graph output.
    inits3 = [t for t in inits if t.name != "w1"] + [init("w9", randn(1, 20, 3, 3) * 0.3)]
    case("head_near_miss_window", [resize("X", "r", ["", "sizes"], coordinate_transformation_mode="align_corners"),
                                   conv("r", "Y", "w9", "b1", pads=[1, 1, 1, 1])], [("X", x)], inits3, opset=13)
    nodes = [resize("X", "r", ["", "sizes"], coordinate_transformation_mode="align_corners"), conv("r", "Y", "w1", "b1")]
    model = mf.graph_model(nodes, [mf.fin("X", list(x.shape))], [mf.fout("Y"), mf.fout("r")], inits, opset=13)
    mf.write_case("head_near_miss_resized_output", model, [x])


def transpose_pair_cases():
    # Swin's patch embedding: tokens → channels → (reshaped there and back) → tokens; then a Mul reads them.
    def pair(first, second, shape, middle):
        nodes = [helper.make_node("Transpose", ["X"], ["t"], perm=first), helper.make_node("Reshape", ["t", "s1"], ["r1"]),
                 helper.make_node("Reshape", ["r1", "s2"], ["r2"]), helper.make_node("Transpose", ["r2"], ["u"], perm=second),
                 helper.make_node("Mul", ["u", "two"], ["Y"])]
        shape_t = [shape[i] for i in first]
        return nodes, [i64("s1", middle), i64("s2", shape_t), scalar("two", 2.0)]
    nodes, inits = pair([0, 2, 1], [0, 2, 1], [1, 12, 10], [1, 10, 3, 4])
    case("transpose_pair_inverse", nodes, [("X", randn(1, 12, 10))], inits)
    # Near-miss: the same shapes, but the second permutation is not the first's inverse.
    nodes, inits = pair([0, 2, 3, 1], [0, 2, 3, 1], [1, 4, 4, 4], [1, 4, 2, 8])
    case("transpose_pair_near_miss", nodes, [("X", randn(1, 4, 4, 4))], inits)


if __name__ == "__main__":
    matmul_cases()
    layernorm_cases()
    softmax_cases()
    window_cases()
    attention_cases()
    head_cases()
    transpose_pair_cases()
