"""Op fixtures for the engine's integer and boolean run-time values and the sampling / indexing ops:
Cast in every direction (float → int64 above 2**24), int64 arithmetic above 2**31, comparisons, logic and
Where, data movement of int64 values, GatherND (batch_dims 0 and 1), ScatterND, GatherElements, GridSample
(every mode × padding × align_corners), DeformConv (3×3 and 7×7, mask, groups, offset groups, stride,
dilation), Einsum, float16 initializers. Small graphs written with onnx.helper, inputs from a fixed seed,
outputs from ONNX Runtime 1.32 (CPU provider), each kept in its own type. Written into
Tests/NNRuntimeTests/Fixtures/ops/<case> by Tools/make-fixtures.sh (through make_fixtures.py), or alone:
    python Tools/reference/make_typed_op_fixtures.py
"""
import os

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "NNRuntimeTests", "Fixtures", "ops")
rng = np.random.default_rng(20260516)
F, F16, I64, I32, B = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL
TYPES = {np.float32: F, np.int64: I64, np.int32: I32, np.bool_: B, np.float16: F16}


def write(name, nodes, inputs, outputs, initializers=(), opset=17):
    """inputs: [(name, array)]; outputs: [(name, onnx elem type)]. Saves model.onnx, input_K.npy and ONNX
    Runtime's output_K.npy (types kept) under ops/<name>."""
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info(n, TYPES[v.dtype.type], list(v.shape)) for n, v in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    data = model.SerializeToString()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    results = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]).run(None, dict(inputs))
    folder = os.path.join(FIXTURES, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(data)
    for k, (_, v) in enumerate(inputs):
        np.save(os.path.join(folder, f"input_{k}.npy"), v)
    for k, v in enumerate(results):
        np.save(os.path.join(folder, f"output_{k}.npy"), v)


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def const(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def n(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


def integer_cases():
    # Float → int64 above 2**24 (exact only as real integers), then int64 arithmetic on the result.
    big = np.array([16777217.0, 33554434.0, 3.0e9, -5.0e9, 1.5e10, 123.7, -2.9, 0.5, -0.5, 2.0**40], np.float32)
    write("typed_cast_float_to_int64_large",
          [n("Cast", ["x"], ["i"], to=I64), n("Add", ["i", "one"], ["y"]), n("Mul", ["i", "three"], ["z"])],
          [("x", big)], [("i", I64), ("y", I64), ("z", I64)], [const("one", np.int64(1)), const("three", np.int64(3))])
    # int64 arithmetic above 2**31, with broadcasting, and Mod's two sign conventions.
    a = (rng.integers(-(2 ** 40), 2 ** 40, size=(3, 4))).astype(np.int64)
    b = rng.integers(-1000, 1000, size=(4,)).astype(np.int64)
    b[b == 0] = 7
    ops = [("Add", {}), ("Sub", {}), ("Mul", {}), ("Div", {}), ("Mod", {}), ("Mod", {"fmod": 1}), ("Min", {}), ("Max", {})]
    nodes = [n(op, ["a", "b"], [f"y{k}"], **attrs) for k, (op, attrs) in enumerate(ops)]
    nodes += [n("Neg", ["a"], ["neg"]), n("Abs", ["a"], ["abs"]), n("Clip", ["a", "lo", "hi"], ["clip"])]
    write("typed_int64_arithmetic", nodes, [("a", a), ("b", b)],
          [(f"y{k}", I64) for k in range(len(ops))] + [("neg", I64), ("abs", I64), ("clip", I64)],
          [const("lo", np.int64(-(2 ** 35))), const("hi", np.int64(2 ** 33 + 5))])
    a32 = rng.integers(-100000, 100000, size=(2, 5)).astype(np.int32)
    b32 = rng.integers(1, 50, size=(2, 1)).astype(np.int32)
    write("typed_int32_arithmetic", [n("Add", ["a", "b"], ["s"]), n("Mul", ["a", "b"], ["m"]), n("Div", ["a", "b"], ["d"]),
                                     n("Mod", ["a", "b"], ["r"]), n("Cast", ["a"], ["f"], to=F)],
          [("a", a32), ("b", b32)], [("s", I32), ("m", I32), ("d", I32), ("r", I32), ("f", F)])
    # Comparisons → bool, logic, Where, and Casts of bool.
    x, y = randn(2, 3, 4), randn(3, 1)
    x[0, 0, :] = y[0, 0]
    nodes = [n(op, ["x", "y"], [op.lower()]) for op in ["Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual"]]
    nodes += [n("And", ["less", "equal"], ["and"]), n("Or", ["less", "equal"], ["or"]), n("Xor", ["lessorequal", "greater"], ["xor"]),
              n("Not", ["less"], ["not"]), n("Where", ["less", "x", "y"], ["where"]), n("Cast", ["or"], ["orf"], to=F),
              n("Cast", ["xor"], ["xori"], to=I64)]
    write("typed_compare_logic_where", nodes, [("x", x), ("y", y)],
          [(o, B) for o in ["less", "greater", "equal", "lessorequal", "greaterorequal", "and", "or", "xor", "not"]]
          + [("where", F), ("orf", F), ("xori", I64)])
    # Casts among float32 / float16 / int64 / int32 / bool; Floor, Ceil, Round (ties to even).
    v = np.concatenate([randn(12, scale=40.0), np.array([0.5, 1.5, 2.5, -0.5, -1.5, 65519.0, 1e-8, 0.0], np.float32)])
    big64 = np.array([2 ** 31 + 5, -(2 ** 33) - 7, 2 ** 40 + 1, -3, 0, 1], np.int64)
    write("typed_cast_directions",
          [n("Cast", ["v"], ["h"], to=F16), n("Cast", ["h"], ["hf"], to=F), n("Cast", ["v"], ["i32"], to=I32),
           n("Cast", ["v"], ["b"], to=B), n("Cast", ["b"], ["bi"], to=I32), n("Cast", ["w"], ["w32"], to=I32),
           n("Cast", ["w"], ["wf"], to=F), n("Cast", ["w"], ["wb"], to=B), n("Cast", ["i32"], ["i64"], to=I64),
           n("Floor", ["v"], ["floor"]), n("Ceil", ["v"], ["ceil"]), n("Round", ["v"], ["round"])],
          [("v", v), ("w", big64)],
          [("hf", F), ("i32", I32), ("b", B), ("bi", I32), ("w32", I32), ("wf", F), ("wb", B), ("i64", I64),
           ("floor", F), ("ceil", F), ("round", F)])
    # int64 values through the data-movement ops.
    x = rng.integers(-(2 ** 40), 2 ** 40, size=(2, 3, 4)).astype(np.int64)
    nodes = [n("Transpose", ["x"], ["t"], perm=[2, 0, 1]), n("Tile", ["t", "reps"], ["tile"]),
             n("Slice", ["tile", "st", "en", "ax"], ["slice"]), n("Concat", ["slice", "slice"], ["cat"], axis=1),
             n("Unsqueeze", ["cat", "zero"], ["u"]), n("Expand", ["u", "shape"], ["ex"]), n("Reshape", ["ex", "flat"], ["r"]),
             n("Gather", ["x", "gi"], ["g"], axis=2), n("Squeeze", ["u", "zero"], ["sq"]), n("Identity", ["x"], ["id"])]
    write("typed_int64_data_movement", nodes, [("x", x)],
          [("r", I64), ("g", I64), ("sq", I64), ("id", I64)],
          [const("reps", np.array([1, 2, 1], np.int64)), const("st", np.array([1, 0], np.int64)),
           const("en", np.array([4, 5], np.int64)), const("ax", np.array([0, 1], np.int64)), const("zero", np.array([0], np.int64)),
           const("shape", np.array([2, 1, 1, 1], np.int64)), const("flat", np.array([-1], np.int64)),
           const("gi", np.array([[3, 0], [-1, 1]], np.int64))])
    # A float16 initializer, cast to float and used.
    w16 = randn(3, 4).astype(np.float16)
    write("typed_float16_initializer", [n("Cast", ["w"], ["wf"], to=F), n("Add", ["x", "wf"], ["y"]),
                                        n("Cast", ["y"], ["y16"], to=F16), n("Cast", ["y16"], ["z"], to=F)],
          [("x", randn(2, 3, 4))], [("y", F), ("z", F)], [const("w", w16)])


def index_cases():
    data = randn(2, 3, 4)
    write("gathernd_batch0", [n("GatherND", ["d", "i"], ["y"])],
          [("d", data), ("i", np.array([[0, 1], [1, 2], [-1, 0], [0, -3], [1, 1]], np.int64))], [("y", F)])
    write("gathernd_batch1", [n("GatherND", ["d", "i"], ["y"], batch_dims=1)],
          [("d", randn(2, 3, 4, 5)), ("i", rng.integers(0, 3, size=(2, 6, 2)).astype(np.int64) % np.array([3, 4]))], [("y", F)])
    # Indices computed at run time (Floor, Cast to int64, Clip on int64), as the deformable exports do.
    pos = (rng.random((1, 10, 2)) * np.array([6, 5]) - 0.7).astype(np.float32)
    write("gathernd_runtime_indices",
          [n("Floor", ["p"], ["f"]), n("Cast", ["f"], ["i"], to=I64), n("Clip", ["i", "lo", "hi"], ["c"]),
           n("GatherND", ["d", "c"], ["y"], batch_dims=1)],
          [("d", randn(1, 6, 5, 3)), ("p", pos)], [("y", F), ("c", I64)],
          [const("lo", np.int64(0)), const("hi", np.int64(4))], opset=13)
    for reduction in ["none", "add", "mul"]:
        idx = np.array([[1], [3], [1]] if reduction != "none" else [[1], [3], [0]], np.int64)
        attrs = {} if reduction == "none" else {"reduction": reduction}
        write(f"scatternd_{reduction}", [n("ScatterND", ["d", "i", "u"], ["y"], **attrs)],
              [("d", randn(4, 5, 6)), ("i", idx), ("u", randn(3, 5, 6))], [("y", F)], opset=16)
    write("scatternd_pairs", [n("ScatterND", ["d", "i", "u"], ["y"])],
          [("d", randn(3, 4, 2)), ("i", np.array([[0, 1], [2, 3], [1, 0]], np.int64)), ("u", randn(3, 2))], [("y", F)])
    for axis in [0, 1, -1]:
        d = randn(3, 4, 5)
        shape = [3, 4, 5]
        shape[axis] = 6
        idx = rng.integers(-d.shape[axis], d.shape[axis], size=[s if k != (axis % 3) else 6 for k, s in enumerate([2, 3, 4])])
        write(f"gatherelements_axis{axis % 3}", [n("GatherElements", ["d", "i"], ["y"], axis=axis)],
              [("d", d), ("i", idx.astype(np.int64))], [("y", F)])


def sampling_cases():
    x = randn(1, 2, 5, 6)
    grid = (rng.random((1, 4, 7, 2)) * 2.6 - 1.3).astype(np.float32)
    for mode in ["bilinear", "nearest", "bicubic"]:
        for padding in ["zeros", "border", "reflection"]:
            for align in [0, 1]:
                write(f"gridsample_{mode}_{padding}_align{align}",
                      [n("GridSample", ["x", "g"], ["y"], mode=mode, padding_mode=padding, align_corners=align)],
                      [("x", x), ("g", grid)], [("y", F)], opset=16)
    # DeformConv: 3×3 and 7×7, with and without mask, groups, offset groups, stride 2, dilation 2.
    for name, c, h, w, oc, k, attrs, mask in [
        ("deformconv_3x3", 4, 9, 8, 5, 3, dict(pads=[1, 1, 1, 1]), False),
        ("deformconv_3x3_mask", 4, 9, 8, 5, 3, dict(pads=[1, 1, 1, 1]), True),
        ("deformconv_7x7_mask", 6, 12, 11, 4, 7, dict(pads=[3, 3, 3, 3]), True),
        ("deformconv_7x7", 3, 10, 10, 2, 7, dict(pads=[3, 2, 3, 4]), False),
        ("deformconv_groups_offset_groups", 8, 9, 9, 6, 3, dict(pads=[1, 1, 1, 1], group=2, offset_group=4), True),
        ("deformconv_stride2", 4, 11, 10, 3, 3, dict(pads=[1, 1, 1, 1], strides=[2, 2]), True),
        ("deformconv_dilation2", 4, 12, 12, 3, 3, dict(pads=[2, 2, 2, 2], dilations=[2, 2]), False),
    ]:
        g, og = attrs.get("group", 1), attrs.get("offset_group", 1)
        s, d = attrs.get("strides", [1, 1]), attrs.get("dilations", [1, 1])
        p = attrs["pads"]
        oh = (h + p[0] + p[2] - d[0] * (k - 1) - 1) // s[0] + 1
        ow = (w + p[1] + p[3] - d[1] * (k - 1) - 1) // s[1] + 1
        inits = [const("W", randn(oc, c // g, k, k, scale=0.3)), const("B", randn(oc))]
        feeds = [("x", randn(1, c, h, w)), ("off", randn(1, og * k * k * 2, oh, ow, scale=2.0))]
        ins = ["x", "W", "off", "B"]
        if mask:
            feeds.append(("m", rng.random((1, og * k * k, oh, ow)).astype(np.float32)))
            ins.append("m")
        write(name, [n("DeformConv", ins, ["y"], kernel_shape=[k, k], **attrs)], feeds, [("y", F)], inits, opset=19)
    # Einsum in attention's forms.
    write("einsum_relative_position", [n("Einsum", ["q", "r"], ["y"], equation="bhwc,hkc->bhwk")],
          [("q", randn(2, 3, 4, 5)), ("r", randn(3, 6, 5))], [("y", F)])
    write("einsum_attention_scores", [n("Einsum", ["q", "k"], ["y"], equation="bmhk,bnhk->bmhn")],
          [("q", randn(2, 5, 3, 4)), ("k", randn(2, 6, 3, 4))], [("y", F)])
    write("einsum_constant_operand", [n("Einsum", ["x", "w"], ["y"], equation="bij,jk->bik")],
          [("x", randn(2, 3, 4))], [("y", F)], [const("w", randn(4, 5))])
    write("einsum_transpose", [n("Einsum", ["x"], ["y"], equation="ijk->kij")], [("x", randn(2, 3, 4))], [("y", F)])


def main():
    integer_cases()
    index_cases()
    sampling_cases()


if __name__ == "__main__":
    main()
