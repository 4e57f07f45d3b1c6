"""A MODNet-architecture ONNX graph with random weights, and ONNX Runtime's outputs on it (Tools/make-modnet.sh).

The graph follows MODNet (Ke et al., 2022) as its official ONNX export writes it at opset 11: a MobileNetV2
backbone (ReLU6 as Clip with input bounds), the low-resolution branch with its SE block (GlobalAveragePool →
Flatten → MatMul → Relu → MatMul → Sigmoid → Reshape → Mul), the high-resolution and fusion branches built of
Conv + IBNorm (BatchNorm on the first half of the channels, InstanceNorm on the rest, through Slice and Concat) +
Relu, and bilinear resizes whose sizes are computed in the graph (Shape → Gather → Cast → Mul → Cast → Floor →
Unsqueeze → Concat, with empty scales). Height and width are dynamic. Weights are random (seeded), the
BatchNorm statistics random but positive, so the output is a plausible soft matte of no meaning.

  python make_modnet.py OUT.onnx [--width 1.0] [--hr 32] [--inputs H,W H,W ...] [--outputs DIR]
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(1234)


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, value, prefix="c"):
        n = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=outs[0], **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, cin, cout, k, stride=1, pad=None, groups=1, bias=True):
        pad = k // 2 if pad is None else pad
        fan = cin // groups * k * k
        w = self.const((rng.standard_normal((cout, cin // groups, k, k)) * np.sqrt(2 / fan)).astype(np.float32), "w")
        ins = [x, w] + ([self.const((rng.standard_normal(cout) * 0.1).astype(np.float32), "b")] if bias else [])
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=groups)

    def bn(self, x, c):
        p = [(1 + 0.1 * rng.standard_normal(c)), 0.1 * rng.standard_normal(c), 0.1 * rng.standard_normal(c),
             rng.uniform(0.5, 1.5, c)]
        return self.node("BatchNormalization", [x] + [self.const(v.astype(np.float32), "bn") for v in p], epsilon=1e-5)

    def relu6(self, x):
        return self.node("Clip", [x, self.const(np.array(0, np.float32)), self.const(np.array(6, np.float32))])

    def ibnorm(self, x, c):
        half = c // 2
        def sl(a, b):
            return self.node("Slice", [x, self.const(np.array([a], np.int64)), self.const(np.array([b], np.int64)),
                                       self.const(np.array([1], np.int64))])
        b = self.bn(sl(0, half), half)
        i = self.node("InstanceNormalization", [sl(half, 2 ** 31 - 1), self.const(np.ones(c - half, np.float32)),
                                                self.const(np.zeros(c - half, np.float32))], epsilon=1e-5)
        return self.node("Concat", [b, i], axis=1)

    def cibr(self, x, cin, cout, k, stride=1, ibn=True, relu=True):
        y = self.conv(x, cin, cout, k, stride)
        if ibn:
            y = self.ibnorm(y, cout)
        return self.node("Relu", [y]) if relu else y

    def resize(self, x, factor):
        """Bilinear resize by `factor`, sizes computed from x's shape as PyTorch's export writes them."""
        shape = self.node("Shape", [x])
        dims = []
        for axis in (2, 3):
            d = self.node("Gather", [shape, self.const(np.array(axis, np.int64))], axis=0)
            f = self.node("Cast", [d], to=TensorProto.FLOAT)
            f = self.node("Mul", [f, self.const(np.array(factor, np.float32))])
            f = self.node("Cast", [f], to=TensorProto.FLOAT)
            f = self.node("Floor", [f])
            i = self.node("Cast", [f], to=TensorProto.INT64)
            dims.append(self.node("Unsqueeze", [i], axes=[0]))
        nc = self.node("Slice", [shape, self.const(np.array([0], np.int64)), self.const(np.array([2], np.int64)),
                                 self.const(np.array([0], np.int64))])
        sizes = self.node("Concat", [nc] + dims, axis=0)
        empty = self.const(np.array([], np.float32), "empty")
        return self.node("Resize", [x, empty, empty, sizes], mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel")


def modnet(width=1.0, hr=32):
    b = Builder()
    x = "input"
    ch = lambda c: max(8, int(c * width + 4) // 8 * 8)
    # MobileNetV2.
    c0 = ch(32)
    y = b.relu6(b.bn(b.conv(x, 3, c0, 3, 2, bias=False), c0))
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    blocks, cin = [], c0
    for t, c, n, s in settings:
        for i in range(n):
            blocks.append((cin, ch(c), s if i == 0 else 1, t))
            cin = ch(c)
    feats = [y]
    for (ci, co, s, t) in blocks:
        h = y
        hid = ci * t
        if t != 1:
            h = b.relu6(b.bn(b.conv(h, ci, hid, 1, bias=False), hid))
        h = b.relu6(b.bn(b.conv(h, hid, hid, 3, s, groups=hid, bias=False), hid))
        h = b.bn(b.conv(h, hid, co, 1, bias=False), co)
        y = b.node("Add", [y, h]) if s == 1 and ci == co else h
        feats.append(y)
    last = ch(1280) if width > 1 else 1280 if width == 1 else max(64, int(1280 * width))
    y = b.relu6(b.bn(b.conv(y, cin, last, 1, bias=False), last))
    feats.append(y)
    enc2x, enc4x, enc32x = feats[1], feats[3], feats[18]
    e = [ch(16), ch(24), ch(32), ch(96), last]
    # Low-resolution branch with the SE block.
    pooled = b.node("Flatten", [b.node("GlobalAveragePool", [enc32x])], axis=1)
    w1 = b.const((rng.standard_normal((e[4], e[4] // 4)) / np.sqrt(e[4])).astype(np.float32), "se")
    w2 = b.const((rng.standard_normal((e[4] // 4, e[4])) / np.sqrt(e[4] // 4)).astype(np.float32), "se")
    gate = b.node("Sigmoid", [b.node("MatMul", [b.node("Relu", [b.node("MatMul", [pooled, w1])]), w2])])
    gate = b.node("Reshape", [gate, b.const(np.array([0, -1, 1, 1], np.int64))])
    enc32x = b.node("Mul", [enc32x, gate])
    lr16x = b.cibr(b.resize(enc32x, 2.0), e[4], e[3], 5)
    lr8x = b.cibr(b.resize(lr16x, 2.0), e[3], e[2], 5)
    # High-resolution branch.
    img2x, img4x = b.resize(x, 0.5), b.resize(x, 0.25)
    t2 = b.cibr(enc2x, e[0], hr, 1)
    hr4x = b.cibr(b.node("Concat", [img2x, t2], axis=1), hr + 3, hr, 3, 2)
    t4 = b.cibr(enc4x, e[1], hr, 1)
    hr4x = b.cibr(b.node("Concat", [hr4x, t4], axis=1), 2 * hr, 2 * hr, 3)
    lr4x = b.resize(lr8x, 2.0)
    h = b.node("Concat", [hr4x, lr4x, img4x], axis=1)
    for ci, co in [(2 * hr + e[2] + 3, 2 * hr), (2 * hr, 2 * hr), (2 * hr, hr)]:
        h = b.cibr(h, ci, co, 3)
    h = b.node("Concat", [b.resize(h, 2.0), t2], axis=1)
    for ci, co in [(2 * hr, 2 * hr), (2 * hr, hr), (hr, hr), (hr, hr)]:
        h = b.cibr(h, ci, co, 3)
    hr2x = h
    # Fusion branch.
    f4 = b.cibr(b.resize(lr8x, 2.0), e[2], hr, 5)
    f2x = b.cibr(b.node("Concat", [b.resize(f4, 2.0), hr2x], axis=1), hr + hr, hr, 3)
    f = b.node("Concat", [b.resize(f2x, 2.0), x], axis=1)
    f = b.cibr(f, hr + 3, hr // 2, 3)
    f = b.cibr(f, hr // 2, 1, 1, ibn=False, relu=False)
    out = b.node("Sigmoid", [f])
    b.nodes[-1].output[0] = "output"
    graph = helper.make_graph(b.nodes, "modnet", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "height", "width"])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "height", "width"])], b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="make_modnet")
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--width", type=float, default=1.0, help="MobileNetV2 width multiplier")
    p.add_argument("--hr", type=int, default=32, help="high-resolution branch channels")
    p.add_argument("--inputs", nargs="*", default=["320,448", "384,256"], help="H,W of the reference inputs")
    p.add_argument("--outputs", help="folder for input_K.npy / output_K.npy from ONNX Runtime")
    args = p.parse_args()
    model = modnet(args.width, args.hr)
    onnx.save(model, args.out)
    print(f"{args.out}: {os.path.getsize(args.out) / 1e6:.2f} MB, {len(model.graph.node)} nodes")
    if args.outputs:
        import onnxruntime as ort
        os.makedirs(args.outputs, exist_ok=True)
        sess = ort.InferenceSession(args.out, providers=["CPUExecutionProvider"])
        data = np.random.default_rng(7)
        for k, hw in enumerate(args.inputs):
            h, w = map(int, hw.split(","))
            x = data.uniform(-1, 1, (1, 3, h, w)).astype(np.float32)
            y = sess.run(None, {"input": x})[0]
            np.save(os.path.join(args.outputs, f"input_{k}.npy"), x)
            np.save(os.path.join(args.outputs, f"output_{k}.npy"), y)
            print(f"  input {x.shape} → output {y.shape}, mean {y.mean():.3f}")


if __name__ == "__main__":
    main()
