"""ONNX test cases for the opset variants of ops whose form changed over time (attributes that became inputs,
Clip's bounds, Slice's inputs, Pad's modes, Split's sizes, Reduce axes as an input, Upsample before Resize…),
with expected outputs from ONNX's reference evaluator (onnx.reference). Written in the layout of ONNX's
backend tests into Tests/EndToEndTests/Fixtures/onnx-opsets (run through Tools/make-op-fixtures.sh)."""
import os
import shutil
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

OUT = sys.argv[1] if len(sys.argv) > 1 else "Tests/EndToEndTests/Fixtures/onnx-opsets"
rng = np.random.default_rng(2026)
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def case(name, opset, nodes, inputs, outputs, feeds, initializers=(), expected=None):
    """inputs: [(name, elem_type, shape)]; feeds: arrays in input order; expected: outputs computed here where
    the reference evaluator does not implement the op's old form."""
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                              [helper.make_tensor_value_info(n, t, None) for n, t in outputs], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7 if opset < 15 else 8
    results = expected if expected is not None else ReferenceEvaluator(model).run(None, {n: v for (n, _, _), v in zip(inputs, feeds)})
    folder = os.path.join(OUT, f"{name}_opset{opset}")
    os.makedirs(os.path.join(folder, "test_data_set_0"))
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    for k, v in enumerate(feeds):
        with open(os.path.join(folder, "test_data_set_0", f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())
    for k, v in enumerate(results):
        with open(os.path.join(folder, "test_data_set_0", f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(v)).SerializeToString())


def x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def i64(*v):
    return np.array(v, np.int64)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    n = helper.make_node
    X = [("x", F, [2, 3, 4, 5])]
    xs = [x(2, 3, 4, 5)]
    # Clip: bounds as attributes (before 11), as inputs after.
    case("clip_attributes", 7, [n("Clip", ["x"], ["y"], min=-0.5, max=0.7)], X, [("y", F)], xs)
    case("clip_inputs", 11, [n("Clip", ["x", "lo", "hi"], ["y"])], X + [("lo", F, []), ("hi", F, [])], [("y", F)],
         xs + [np.array(-0.3, np.float32), np.array(0.4, np.float32)])
    case("clip_min_only", 13, [n("Clip", ["x", "lo"], ["y"])], X + [("lo", F, [])], [("y", F)], xs + [np.array(0.1, np.float32)])
    # Slice: attributes (before 10), inputs with steps after.
    case("slice_attributes", 7, [n("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, -1], axes=[2, 3])], X, [("y", F)], xs)
    case("slice_inputs_steps", 13, [n("Slice", ["x", "s", "e", "a", "st"], ["y"])],
         X + [("s", I64, [2]), ("e", I64, [2]), ("a", I64, [2]), ("st", I64, [2])], [("y", F)],
         xs + [i64(0, 4), i64(3, 0), i64(1, 3), i64(2, -2)])
    # Reduce: axes as an attribute, then as an input (ReduceSum from 13, the others from 18).
    for op, old, new in [("ReduceSum", 11, 13), ("ReduceMean", 13, 18), ("ReduceMax", 13, 18)]:
        case(f"{op.lower()}_axes_attribute", old, [n(op, ["x"], ["y"], axes=[1, 3], keepdims=0)], X, [("y", F)], xs)
        case(f"{op.lower()}_axes_input", new, [n(op, ["x", "a"], ["y"], keepdims=1)], X + [("a", I64, [1])], [("y", F)],
             xs + [i64(-1)])
    # Split: sizes as an attribute, as an input, and num_outputs.
    case("split_attribute", 11, [n("Split", ["x"], ["a", "b"], axis=3, split=[2, 3])], X, [("a", F), ("b", F)], xs)
    case("split_input", 13, [n("Split", ["x", "s"], ["a", "b"], axis=1)], X + [("s", I64, [2])], [("a", F), ("b", F)],
         xs + [i64(1, 2)])
    case("split_num_outputs", 18, [n("Split", ["x"], ["a", "b"], axis=3, num_outputs=2)], X, [("a", F), ("b", F)], xs)
    # Pad: attributes (before 11), inputs, modes, axes (18).
    case("pad_attributes", 7, [n("Pad", ["x"], ["y"], pads=[0, 0, 1, 2, 0, 0, 2, 1], value=1.5)], X, [("y", F)], xs)
    for mode in ["constant", "reflect", "edge"]:
        case(f"pad_{mode}", 11, [n("Pad", ["x", "p"], ["y"], mode=mode)], X + [("p", I64, [8])], [("y", F)],
             xs + [i64(0, 0, 1, 2, 0, 0, 2, 1)])
    case("pad_axes", 18, [n("Pad", ["x", "p", "", "a"], ["y"], mode="edge")], X + [("p", I64, [4]), ("a", I64, [2])],
         [("y", F)], xs + [i64(1, 0, 0, 2), i64(1, 3)])
    # Upsample (scales as an attribute at 7, an input at 9) and Resize across opsets.
    small = [x(1, 2, 3, 4)]
    S = [("x", F, [1, 2, 3, 4])]
    # Nearest upsampling by whole factors repeats each pixel.
    case("upsample_attribute", 7, [n("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 3.0], mode="nearest")], S, [("y", F)], small,
         expected=[small[0].repeat(2, axis=2).repeat(3, axis=3)])
    case("upsample_input", 9, [n("Upsample", ["x", "s"], ["y"], mode="nearest")], S + [("s", F, [4])], [("y", F)],
         small + [np.array([1, 1, 2, 2], np.float32)])
    # Resize at opset 10 takes scales as input 1 (the reference evaluator reads the later layout): nearest by
    # whole factors, computed here.
    case("resize_scales", 10, [n("Resize", ["x", "s"], ["y"], mode="nearest")], S + [("s", F, [4])], [("y", F)],
         small + [np.array([1, 1, 2, 3], np.float32)], expected=[small[0].repeat(2, axis=2).repeat(3, axis=3)])
    case("resize_sizes_cubic", 11, [n("Resize", ["x", "r", "", "z"], ["y"], mode="cubic")],
         S + [("r", F, [0]), ("z", I64, [4])], [("y", F)], small + [np.zeros(0, np.float32), i64(1, 2, 5, 7)])
    case("resize_axes", 18, [n("Resize", ["x", "", "s"], ["y"], mode="linear", axes=[3, 2])], S + [("s", F, [2])],
         [("y", F)], small + [np.array([0.5, 1.7], np.float32)])
    case("resize_half_pixel_symmetric", 19, [n("Resize", ["x", "", "s"], ["y"], mode="linear",
                                               coordinate_transformation_mode="half_pixel_symmetric")],
         S + [("s", F, [4])], [("y", F)], small + [np.array([1, 1, 1.7, 2.3], np.float32)])
    # Softmax: 2-D coercion before 13, one axis after.
    # Before opset 13 the input is coerced to 2-D at `axis` (the reference evaluator applies the later,
    # single-axis form, so the expected values are computed here from the specification's formula).
    flat = xs[0].reshape(6, 20).astype(np.float64)
    e = np.exp(flat - flat.max(axis=1, keepdims=True))
    case("softmax_coerced", 11, [n("Softmax", ["x"], ["y"], axis=2)], X, [("y", F)], xs,
         expected=[(e / e.sum(axis=1, keepdims=True)).reshape(xs[0].shape).astype(np.float32)])
    case("softmax_axis", 13, [n("Softmax", ["x"], ["y"], axis=2)], X, [("y", F)], xs)
    # Squeeze / Unsqueeze: axes as an attribute, then an input.
    case("unsqueeze_attribute", 11, [n("Unsqueeze", ["x"], ["y"], axes=[0, 5])], X, [("y", F)], xs)
    case("unsqueeze_input", 13, [n("Unsqueeze", ["x", "a"], ["y"])], X + [("a", I64, [1])], [("y", F)], xs + [i64(-1)])
    sq = [x(2, 1, 4, 1)]
    case("squeeze_attribute", 11, [n("Squeeze", ["x"], ["y"], axes=[3])], [("x", F, [2, 1, 4, 1])], [("y", F)], sq)
    case("squeeze_input", 13, [n("Squeeze", ["x", "a"], ["y"])], [("x", F, [2, 1, 4, 1]), ("a", I64, [1])], [("y", F)],
         sq + [i64(1)])
    # BatchNormalization before training_mode; Dropout's ratio as an attribute and as inputs.
    bn = [x(2, 3, 4, 5), x(3), x(3), x(3), np.abs(x(3)) + 0.5]
    # Inference form, from the specification's formula (the reference evaluator's opset-9 form disagrees).
    r = lambda a: a.reshape(1, 3, 1, 1).astype(np.float64)
    bn_y = (r(bn[1]) * (bn[0] - r(bn[3])) / np.sqrt(r(bn[4]) + 1e-5) + r(bn[2])).astype(np.float32)
    case("batchnorm", 9, [n("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
         X + [("s", F, [3]), ("b", F, [3]), ("m", F, [3]), ("v", F, [3])], [("y", F)], bn, expected=[bn_y])
    case("dropout_attribute", 7, [n("Dropout", ["x"], ["y"], ratio=0.3)], X, [("y", F)], xs)
    case("dropout_inference", 13, [n("Dropout", ["x", "r"], ["y"])], X + [("r", F, [])], [("y", F)], xs + [np.array(0.3, np.float32)])
    # Gemm with and without C, transposes; MatMul broadcasting; LayerNormalization with statistics.
    case("gemm_no_c", 11, [n("Gemm", ["a", "b"], ["y"], transA=1, alpha=0.5)], [("a", F, [4, 3]), ("b", F, [4, 5])],
         [("y", F)], [x(4, 3), x(4, 5)])
    case("gemm_c", 7, [n("Gemm", ["a", "b", "c"], ["y"], transB=1, beta=2.0)],
         [("a", F, [3, 4]), ("b", F, [5, 4]), ("c", F, [5])], [("y", F)], [x(3, 4), x(5, 4), x(5)])
    case("matmul_broadcast", 13, [n("MatMul", ["a", "b"], ["y"])], [("a", F, [2, 1, 3, 4]), ("b", F, [5, 4, 2])],
         [("y", F)], [x(2, 1, 3, 4), x(5, 4, 2)])
    case("layernorm_stats", 17, [n("LayerNormalization", ["x", "s", "b"], ["y", "m", "r"], axis=2)],
         X + [("s", F, [4, 5]), ("b", F, [4, 5])], [("y", F), ("m", F), ("r", F)], xs + [x(4, 5), x(4, 5)])
    with open(os.path.join(OUT, "SOURCES.md"), "w") as f:
        f.write(SOURCES)
    print(len(os.listdir(OUT)) - 1, "cases in", OUT)


SOURCES = """# Opset-variant test cases

38 cases in ONNX's test-case layout, written by `Tools/reference/make_opset_fixtures.py` (through
`Tools/make-op-fixtures.sh`): each op whose form changed across opsets (Clip, Slice, Reduce*, Split, Pad,
Upsample, Resize, Softmax, Squeeze, Unsqueeze, BatchNormalization, Dropout, Gemm, MatMul, LayerNormalization)
at the opsets of its forms. Expected outputs come from ONNX's reference evaluator (`onnx.reference`, onnx
1.23.2); where it lacks an op's old form (Upsample at 7, Resize at 10, Softmax before 13, BatchNormalization at
9) they are computed in the script from the specification's formula and agree with ONNX Runtime 1.32.
"""


if __name__ == "__main__":
    main()
