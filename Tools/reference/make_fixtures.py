"""Builds the engine's reference fixtures with ONNX Runtime (CPU provider).

Op cases: small graphs written with onnx.helper, random inputs from a fixed seed, outputs from
onnxruntime. u2netp cases: test photos resized to 320x320 with Pillow's Lanczos (as rembg does),
normalised in float32 exactly as the Swift test does, and u2netp's seven outputs.
Run through Tools/make-fixtures.sh, which sets up the environment.
"""
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "NNRuntimeTests", "Fixtures")
IMAGES = os.path.join(ROOT, "..", "shared", "testimages")
rng = np.random.default_rng(20261123)


def session(model_bytes, optimise=True):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    if not optimise:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


# Cases where ONNX Runtime departs from the ONNX specification (it fails the same case of ONNX's own
# conformance suite): their expected outputs come from onnx.reference.ReferenceEvaluator instead.
SPEC_OVER_ORT = {"resize_linear_align_corners_down"}


def write_case(name, model, inputs):
    """Saves model.onnx, input_K.npy and ONNX Runtime's output_K.npy under ops/<name> (the ONNX reference
    evaluator's for SPEC_OVER_ORT)."""
    folder = os.path.join(FIXTURES, "ops", name)
    os.makedirs(folder, exist_ok=True)
    data = model.SerializeToString()
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(data)
    feeds = {}
    for k, (info, value) in enumerate(zip(model.graph.input, inputs)):
        feeds[info.name] = value
        np.save(os.path.join(folder, f"input_{k}.npy"), value)
    outputs = session(data).run(None, feeds)
    if name in SPEC_OVER_ORT:
        from onnx.reference import ReferenceEvaluator
        outputs = ReferenceEvaluator(model).run(None, feeds)
    for k, value in enumerate(outputs):
        np.save(os.path.join(folder, f"output_{k}.npy"), value.astype(np.float32))


def graph_model(nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, "case", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def fin(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def fout(name):
    """An output whose shape is left for the runtime to infer."""
    info = onnx.ValueInfoProto()
    info.name = name
    info.type.tensor_type.elem_type = TensorProto.FLOAT
    return info


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def conv_case(name, x_shape, w_shape, bias=True, relu=False, **attrs):
    w = randn(*w_shape) * 0.5
    inits = [numpy_helper.from_array(w, "W")]
    ins = ["X", "W"]
    if bias:
        inits.append(numpy_helper.from_array(randn(w_shape[0]), "B"))
        ins.append("B")
    nodes = [helper.make_node("Conv", ins, ["C" if relu else "Y"], name="conv", **attrs)]
    if relu:
        nodes.append(helper.make_node("Relu", ["C"], ["Y"], name="relu"))
    write_case(name, graph_model(nodes, [fin("X", x_shape)], [fout("Y")], inits), [randn(*x_shape)])


def op_cases():
    shutil.rmtree(os.path.join(FIXTURES, "ops"), ignore_errors=True)
    # Convolution: padding, stride, dilation, groups, 1x1, fused activation, auto_pad.
    conv_case("conv_3x3_pad1", [1, 3, 9, 11], [4, 3, 3, 3], pads=[1, 1, 1, 1])
    conv_case("conv_stride2_asymmetric_pads", [2, 3, 10, 9], [5, 3, 3, 3], strides=[2, 2], pads=[0, 1, 2, 1])
    conv_case("conv_dilation2", [1, 5, 13, 12], [7, 5, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
    conv_case("conv_dilation4_no_bias", [1, 6, 17, 15], [3, 6, 3, 3], bias=False, dilations=[4, 4], pads=[4, 4, 4, 4])
    conv_case("conv_dilation8", [1, 4, 20, 21], [5, 4, 3, 3], dilations=[8, 8], pads=[8, 8, 8, 8])
    conv_case("conv_grouped", [1, 4, 8, 8], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1])
    conv_case("conv_depthwise", [1, 6, 7, 9], [6, 1, 3, 3], group=6, pads=[1, 1, 1, 1])
    conv_case("conv_1x1", [1, 19, 6, 7], [23, 19, 1, 1])
    conv_case("conv_5x3_stride_1_2", [1, 3, 12, 14], [4, 3, 5, 3], strides=[1, 2], pads=[2, 1, 2, 1])
    conv_case("conv_relu_fused", [1, 17, 11, 13], [33, 17, 3, 3], relu=True, pads=[1, 1, 1, 1])
    conv_case("conv_auto_pad_same_upper", [1, 3, 8, 7], [4, 3, 4, 4], auto_pad="SAME_UPPER", strides=[2, 2])
    conv_case("conv_large_tiled", [1, 32, 50, 50], [16, 32, 3, 3], pads=[1, 1, 1, 1])

    # MaxPool: ceil_mode on odd sizes, padding, the dropped-last-window rule, dilation.
    for name, shape, attrs in [
        ("maxpool_2x2_ceil_odd", [1, 3, 7, 9], dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)),
        ("maxpool_2x2_floor_odd", [1, 3, 7, 9], dict(kernel_shape=[2, 2], strides=[2, 2])),
        ("maxpool_3x3_pad1_stride2", [1, 2, 8, 8], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
        ("maxpool_3x3_ceil_pad", [1, 2, 6, 6], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)),
        ("maxpool_dilated", [1, 2, 9, 9], dict(kernel_shape=[2, 2], strides=[1, 1], dilations=[2, 2])),
    ]:
        node = helper.make_node("MaxPool", ["X"], ["Y"], name="pool", **attrs)
        write_case(name, graph_model([node], [fin("X", shape)], [fout("Y")]), [randn(*shape)])

    # Resize: four coordinate modes, linear and nearest, up and down, by sizes and by scales.
    empty = numpy_helper.from_array(np.zeros((0,), np.float32), "empty")
    for mode in ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]:
        for direction, sizes, scales in [("up", [1, 2, 11, 14], None), ("down", None, [1, 1, 0.6, 0.45]),
                                         ("down_sizes", [1, 2, 3, 4], None)]:
            for interp in ["linear", "nearest"]:
                inits = [empty]
                if sizes is not None:
                    inits.append(numpy_helper.from_array(np.array(sizes, np.int64), "sizes"))
                    ins = ["X", "empty", "empty", "sizes"]
                else:
                    inits.append(numpy_helper.from_array(np.array(scales, np.float32), "scales"))
                    ins = ["X", "empty", "scales"]
                extra = {"nearest_mode": "floor"} if interp == "nearest" and mode == "asymmetric" else {}
                node = helper.make_node("Resize", ins, ["Y"], name="resize", mode=interp,
                                        coordinate_transformation_mode=mode, **extra)
                write_case(f"resize_{interp}_{mode}_{direction}",
                           graph_model([node], [fin("X", [1, 2, 5, 7])], [fout("Y")], inits, opset=11),
                           [randn(1, 2, 5, 7)])
    # pytorch_half_pixel with an output length of 1.
    node = helper.make_node("Resize", ["X", "empty", "empty", "sizes"], ["Y"], name="resize", mode="linear",
                            coordinate_transformation_mode="pytorch_half_pixel")
    write_case("resize_linear_pytorch_half_pixel_to_1",
               graph_model([node], [fin("X", [1, 1, 4, 6])], [fout("Y")],
                           [empty, numpy_helper.from_array(np.array([1, 1, 1, 3], np.int64), "sizes")], opset=11),
               [randn(1, 1, 4, 6)])
    for rounding in ["round_prefer_floor", "round_prefer_ceil", "ceil"]:
        node = helper.make_node("Resize", ["X", "empty", "scales"], ["Y"], name="resize", mode="nearest",
                                coordinate_transformation_mode="half_pixel", nearest_mode=rounding)
        write_case(f"resize_nearest_{rounding}",
                   graph_model([node], [fin("X", [1, 1, 4, 5])], [fout("Y")],
                               [empty, numpy_helper.from_array(np.array([1, 1, 2.5, 1.5], np.float32), "scales")], opset=11),
                   [randn(1, 1, 4, 5)])

    # Element-wise and broadcasting.
    for op, a, b in [("Add", [2, 3, 4, 5], [3, 1, 1]), ("Mul", [1, 3, 1, 5], [2, 1, 4, 1]),
                     ("Sub", [2, 3, 4, 5], []), ("Div", [4, 1], [3]), ("Add", [1, 16, 5, 5], [1, 16, 5, 5])]:
        node = helper.make_node(op, ["A", "B"], ["Y"], name=op.lower())
        bval = randn(*b) if op != "Div" else (np.abs(randn(*b)) + 0.5).astype(np.float32)
        write_case(f"{op.lower()}_broadcast_{'x'.join(map(str, a))}_{'x'.join(map(str, b)) or 'scalar'}",
                   graph_model([node], [fin("A", a), fin("B", b)], [fout("Y")]), [randn(*a), bval])
    # An operand that is an initializer.
    node = helper.make_node("Mul", ["A", "K"], ["Y"], name="mul_const")
    write_case("mul_constant_operand", graph_model([node], [fin("A", [1, 3, 4, 4])], [fout("Y")],
                                                   [numpy_helper.from_array(randn(3, 1, 1), "K")]), [randn(1, 3, 4, 4)])
    wide = (randn(3, 37) * 30).astype(np.float32)
    wide[0, :6] = [0, -0.0, 88.0, -88.0, 100.0, -100.0]
    for op in ["Relu", "Sigmoid"]:
        node = helper.make_node(op, ["X"], ["Y"], name=op.lower())
        write_case(op.lower(), graph_model([node], [fin("X", [3, 37])], [fout("Y")]), [wide])
    node = helper.make_node("Clip", ["X", "lo", "hi"], ["Y"], name="clip")
    write_case("clip_opset11", graph_model([node], [fin("X", [3, 37])], [fout("Y")],
                                           [numpy_helper.from_array(np.array(-2.5, np.float32), "lo"),
                                            numpy_helper.from_array(np.array(6.0, np.float32), "hi")]), [wide])
    node = helper.make_node("Clip", ["X"], ["Y"], name="clip", min=-1.0, max=3.0)
    write_case("clip_opset6", graph_model([node], [fin("X", [3, 37])], [fout("Y")], opset=6), [wide])

    # Concat.
    node = helper.make_node("Concat", ["A", "B", "C"], ["Y"], name="concat", axis=1)
    write_case("concat_axis1", graph_model([node], [fin("A", [2, 3, 4, 5]), fin("B", [2, 1, 4, 5]), fin("C", [2, 4, 4, 5])],
                                           [fout("Y")]), [randn(2, 3, 4, 5), randn(2, 1, 4, 5), randn(2, 4, 4, 5)])
    node = helper.make_node("Concat", ["A", "B"], ["Y"], name="concat", axis=-1)
    write_case("concat_axis_last", graph_model([node], [fin("A", [2, 3, 2]), fin("B", [2, 3, 5])], [fout("Y")]),
               [randn(2, 3, 2), randn(2, 3, 5)])

    # The shape chain PyTorch exports feed Resize with (folded at plan time), then shape ops at run time.
    c = lambda name, v: helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(v, np.int64)))
    nodes = [
        helper.make_node("Shape", ["R"], ["s"]), c("i2", 2), helper.make_node("Gather", ["s", "i2"], ["h"], axis=0),
        c("i3", 3), helper.make_node("Gather", ["s", "i3"], ["w"], axis=0),
        helper.make_node("Unsqueeze", ["h"], ["h1"], axes=[0]), helper.make_node("Unsqueeze", ["w"], ["w1"], axes=[0]),
        helper.make_node("Concat", ["h1", "w1"], ["hw"], axis=0),
        helper.make_node("Shape", ["X"], ["sx"]), c("z", [0]), c("two", [2]), c("ax", [0]),
        helper.make_node("Slice", ["sx", "z", "two", "ax"], ["nc"]),
        helper.make_node("Cast", ["hw"], ["hw64"], to=TensorProto.INT64),
        helper.make_node("Concat", ["nc", "hw64"], ["sizes"], axis=0),
        helper.make_node("Constant", [], ["roi"], value=numpy_helper.from_array(np.zeros((0,), np.float32))),
        helper.make_node("Constant", [], ["sc"], value=numpy_helper.from_array(np.zeros((0,), np.float32))),
        helper.make_node("Resize", ["X", "roi", "sc", "sizes"], ["up"], mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel"),
        helper.make_node("Add", ["up", "R"], ["sum"]),
        c("newshape", [1, 3, -1]), helper.make_node("Reshape", ["sum", "newshape"], ["flat"]),
        c("st", [1]), c("en", [100]), c("a2", [2]), c("step", [2]),
        helper.make_node("Slice", ["flat", "st", "en", "a2", "step"], ["Y"]),
    ]
    write_case("shape_chain_resize_reshape_slice",
               graph_model(nodes, [fin("X", [1, 3, 4, 5]), fin("R", [1, 3, 8, 10])], [fout("Y")], opset=11),
               [randn(1, 3, 4, 5), randn(1, 3, 8, 10)])
    node = helper.make_node("Squeeze", ["X"], ["Y"], axes=[0, 2])
    write_case("squeeze_attr", graph_model([node], [fin("X", [1, 3, 1, 4])], [fout("Y")], opset=11), [randn(1, 3, 1, 4)])
    node = helper.make_node("Unsqueeze", ["X", "axes"], ["Y"])
    write_case("unsqueeze_input", graph_model([node], [fin("X", [3, 4])], [fout("Y")],
                                              [numpy_helper.from_array(np.array([0, -1], np.int64), "axes")]), [randn(3, 4)])


MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def u2netp_cases():
    model_path = os.path.join(ROOT, "Weights", "u2netp.onnx")
    data = open(model_path, "rb").read()
    optimised, plain = session(data), session(data, optimise=False)
    shutil.rmtree(os.path.join(FIXTURES, "u2netp"), ignore_errors=True)
    for photo in ["astronaut.png", "chelsea.png", "coffee.png"]:
        image = Image.open(os.path.join(IMAGES, photo)).convert("RGB").resize((320, 320), Image.LANCZOS)
        pixels = np.asarray(image, dtype=np.uint8)
        # float32 throughout, in the order the Swift test uses: x / max, minus mean, over std.
        x = pixels.astype(np.float32)
        x = x / np.float32(x.max())
        x = (x - MEAN) / STD
        tensor = x.transpose(2, 0, 1)[None].astype(np.float32)
        folder = os.path.join(FIXTURES, "u2netp", os.path.splitext(photo)[0])
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, "pixels.npy"), pixels)
        if photo == "astronaut.png":
            # The README's example input and the end-to-end tests' input.
            example = os.path.join(ROOT, "Tests", "EndToEndTests", "Fixtures")
            os.makedirs(example, exist_ok=True)
            np.save(os.path.join(example, "astronaut-320.npy"), tensor)
        outs = optimised.run(None, {"input.1": tensor})
        outs_plain = plain.run(None, {"input.1": tensor})
        for k, value in enumerate(outs):
            np.save(os.path.join(folder, f"output_{k}.npy"), value.astype(np.float32))
        diffs = [np.abs(a - b) for a, b in zip(outs, outs_plain)]
        print(f"{photo}: onnxruntime optimised vs not: max {max(d.max() for d in diffs):.3g}, "
              f"mean {np.mean([d.mean() for d in diffs]):.3g}")


if __name__ == "__main__":
    op_cases()
    import make_typed_op_fixtures  # integer run-time values, indexing and sampling ops (same folder)
    make_typed_op_fixtures.main()
    u2netp_cases()
    print("fixtures written under", FIXTURES, file=sys.stderr)
