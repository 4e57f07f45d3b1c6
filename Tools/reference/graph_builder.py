"""Shared pieces of the architecture-faithful random-weight graphs (Tools/make-model-graphs.sh).

Builder writes ONNX nodes with the `onnx` package's helpers: weights become initializers, the small constants an
exporter writes (shapes, scalars, index tables) become `Constant` nodes, as `torch.onnx.export` leaves them.
The deformable convolution is written in two encodings with the same weights: ONNX's own `DeformConv` (opset 19)
and the chain of plain ops that the `deform_conv2d_onnx_exporter` package writes for torchvision's
`deform_conv2d` (the encoding of BiRefNet's published ONNX files). Weights are variance-preserving (He for
convolutions followed by ReLU, Xavier-like 1/fan_in otherwise), so activations neither vanish nor saturate.

The ONNX Runtime helpers run a graph, time it (median after warm-up, 2 intra-op threads, 1 inter-op thread) and
measure the peak RSS of a separate process that loads the graph and runs it once.
"""
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, seed, opset):
        self.rng = np.random.default_rng(seed)
        self.opset = opset
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    # Constants: initializers for parameters, Constant nodes for what an exporter writes as constants.
    def weight(self, value, prefix="w"):
        n = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def const(self, value, dtype=None, prefix="const"):
        value = np.asarray(value, dtype=dtype)
        out = self.name(prefix)
        self.nodes.append(helper.make_node("Constant", [], [out], name=out,
                                           value=numpy_helper.from_array(value, out + "_value")))
        return out

    def i64(self, values):
        return self.const(np.array(values, np.int64))

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=outs[0], **attrs))
        return outs[0] if n_out == 1 else outs

    # Layers.
    def conv_weight(self, cin, cout, k, groups=1, gain=2.0):
        kh, kw = (k, k) if isinstance(k, int) else k
        fan = cin // groups * kh * kw
        return (self.rng.standard_normal((cout, cin // groups, kh, kw)) * np.sqrt(gain / fan)).astype(np.float32)

    def conv(self, x, cin, cout, k, stride=1, pad=None, dilation=1, groups=1, bias=True, gain=2.0, w=None, b=None):
        pad = dilation * (k // 2) if pad is None else pad
        w = self.conv_weight(cin, cout, k, groups, gain) if w is None else w
        ins = [x, self.weight(w)]
        if bias:
            b = (self.rng.standard_normal(cout) * 0.05).astype(np.float32) if b is None else b
            ins.append(self.weight(b, "b"))
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
                         dilations=[dilation, dilation], group=groups)

    def bn(self, x, c):
        rng = self.rng
        p = [1 + 0.1 * rng.standard_normal(c), 0.1 * rng.standard_normal(c), 0.1 * rng.standard_normal(c),
             rng.uniform(0.5, 1.5, c)]
        return self.node("BatchNormalization", [x] + [self.weight(v.astype(np.float32), "bn") for v in p], epsilon=1e-5)

    def linear(self, x, cin, cout, bias=True, gain=1.0):
        w = (self.rng.standard_normal((cin, cout)) * np.sqrt(gain / cin)).astype(np.float32)
        y = self.node("MatMul", [x, self.weight(w)])
        if bias:
            y = self.node("Add", [y, self.weight((self.rng.standard_normal(cout) * 0.02).astype(np.float32), "b")])
        return y

    def unsqueeze(self, x, axes):
        if self.opset >= 13:
            return self.node("Unsqueeze", [x, self.i64(axes)])
        return self.node("Unsqueeze", [x], axes=axes)

    def slice(self, x, starts, ends, axes, steps=None):
        ins = [x, self.i64(starts), self.i64(ends), self.i64(axes)] + ([self.i64(steps)] if steps else [])
        return self.node("Slice", ins)

    def reshape(self, x, shape):
        return self.node("Reshape", [x, self.i64(shape)])

    def resize_like(self, src, target, align_corners=False):
        """F.interpolate(src, size=target.shape[2:], mode='bilinear') as PyTorch writes it with sizes read in the graph."""
        tshape = self.node("Shape", [target])
        dims = [self.unsqueeze(self.node("Gather", [tshape, self.const(np.array(a, np.int64))], axis=0), [0]) for a in (2, 3)]
        hw = self.node("Concat", dims, axis=0)
        nc = self.slice(self.node("Shape", [src]), [0], [2], [0])
        sizes = self.node("Concat", [nc, hw], axis=0)
        mode = "align_corners" if align_corners else "pytorch_half_pixel"
        if self.opset >= 13:
            return self.node("Resize", [src, "", "", sizes], mode="linear", coordinate_transformation_mode=mode)
        empty = self.const(np.array([], np.float32))
        return self.node("Resize", [src, empty, empty, sizes], mode="linear", coordinate_transformation_mode=mode)


# ---- The deformable convolution, two encodings of the same computation ------------------------------------------

class DeformParams:
    """torchvision deform_conv2d's parameters on a static input [B, C, H, W]."""

    def __init__(self, batch, cin, cout, h, w, k, stride=1, pad=None, dilation=1, groups=1, offset_groups=1):
        self.batch, self.cin, self.cout, self.h, self.w, self.k = batch, cin, cout, h, w, k
        self.stride, self.dilation, self.groups, self.offset_groups = stride, dilation, groups, offset_groups
        self.pad = k // 2 if pad is None else pad
        self.out_h = (h + 2 * self.pad - dilation * (k - 1) - 1) // stride + 1
        self.out_w = (w + 2 * self.pad - dilation * (k - 1) - 1) // stride + 1


def deform_native(b, x, offset, mask, weight_name, bias_name, p):
    """ONNX DeformConv (opset 19): inputs X, W, offset, B, mask."""
    assert b.opset >= 19
    return b.node("DeformConv", [x, weight_name, offset, bias_name, mask], kernel_shape=[p.k, p.k],
                  strides=[p.stride] * 2, pads=[p.pad] * 4, dilations=[p.dilation] * 2, group=p.groups,
                  offset_group=p.offset_groups)


def deform_exporter(b, x, offset, mask, weight_name, bias_name, p):
    """deform_conv2d as deform_conv2d_onnx_exporter (use_gathernd=True, the default BiRefNet uses) writes it.

    Op by op as that package's symbolic function: p = p_0 + p_k + offset; Floor; Cast to int64; the four corner
    coordinates sliced and clipped into the zero-padded input; bilinear weights from p − floor(p); the input
    padded (one extra pixel when the padding is 0) and transposed to channels-last; per corner a GatherND with
    batch_dims=2; the weighted Sum; the mask; the reshape to [B, C, H·k, W·k] and a Conv with kernel k, stride k;
    the bias added after an Unsqueeze.
    """
    B, G, K = p.batch, p.offset_groups, p.k * p.k
    h, w, kh, kw = p.out_h, p.out_w, p.k, p.k
    add_h = 1 if p.pad == 0 else 0
    add_w = add_h
    in_h, in_w = p.h + 2 * (p.pad + add_h), p.w + 2 * (p.pad + add_w)
    ch = p.cin // G
    f32, i64 = np.float32, np.int64
    # calculate_p: p_0 (output grid in padded coordinates) + p_k (kernel taps), a constant [1,1,K,2,h,w].
    p0y, p0x = np.meshgrid(np.arange(0, h * p.stride, p.stride), np.arange(0, w * p.stride, p.stride), indexing="ij")
    p0 = np.concatenate([np.tile(p0y.reshape(1, 1, 1, 1, h, w), (1, 1, K, 1, 1, 1)) + add_h,
                         np.tile(p0x.reshape(1, 1, 1, 1, h, w), (1, 1, K, 1, 1, 1)) + add_w], axis=3)
    pky, pkx = np.meshgrid(np.arange(0, kh * p.dilation, p.dilation), np.arange(0, kw * p.dilation, p.dilation), indexing="ij")
    pk = np.concatenate([pky.reshape(1, 1, K, 1, 1, 1), pkx.reshape(1, 1, K, 1, 1, 1)], axis=3)
    off = b.reshape(offset, [B, G, K, 2, h, w])
    pp = b.node("Add", [b.const((p0 + pk).astype(f32)), off])
    # calculate_p_floor, calculate_p_tlbr.
    pfloor = b.node("Floor", [pp])
    pint = b.node("Cast", [pfloor], to=TensorProto.INT64)
    one = b.const(np.array(1, i64))
    pt = b.slice(pint, [0], [1], [3])
    pl = b.slice(pint, [1], [2], [3])
    pb = b.node("Add", [pt, one])
    pr = b.node("Add", [pl, one])
    clip = lambda v, hi: b.node("Clip", [v, b.const(np.array(0, i64)), b.const(np.array(hi, i64))])
    tlbr = {"t": clip(pt, in_h - 1), "l": clip(pl, in_w - 1), "b": clip(pb, in_h - 1), "r": clip(pr, in_w - 1)}
    # calculate_weight.
    onef = b.const(np.array(1, f32))
    diff = b.node("Sub", [pp, pfloor])
    dy = b.slice(diff, [0], [1], [3])
    dx = b.slice(diff, [1], [2], [3])
    dyi = b.node("Sub", [onef, dy])
    dxi = b.node("Sub", [onef, dx])
    weights = {"tl": b.node("Mul", [dxi, dyi]), "br": b.node("Mul", [dx, dy]),
               "bl": b.node("Mul", [dxi, dy]), "tr": b.node("Mul", [dx, dyi])}
    weights = {key: b.reshape(v, [B, G, 1, K, h, w]) for key, v in weights.items()}
    # reshape_input_for_gather_elements: pad (always at least one pixel), split into offset groups.
    padded = b.node("Pad", [x, b.i64([0, 0, p.pad + add_h, p.pad + add_w, 0, 0, p.pad + add_h, p.pad + add_w])], mode="constant")
    padded = b.reshape(padded, [B, G, ch, in_h, in_w])
    # gather_nd per corner.
    values = {}
    for key in ["tl", "br", "bl", "tr"]:
        py = b.reshape(tlbr[key[0]], [B, G, K * h * w, 1])
        px = b.reshape(tlbr[key[1]], [B, G, K * h * w, 1])
        index = b.node("Concat", [py, px], axis=3)
        channels_last = b.node("Transpose", [padded], perm=[0, 1, 3, 4, 2])
        v = b.node("GatherND", [channels_last, index], batch_dims=2)
        v = b.node("Transpose", [v], perm=[0, 1, 3, 2])
        values[key] = b.reshape(v, [B, G, ch, K, h, w])
    # calculate_weighted_sum, apply_mask.
    v = b.node("Sum", [b.node("Mul", [weights[key], values[key]]) for key in values])
    if mask is not None:
        v = b.node("Mul", [v, b.reshape(mask, [B, G, 1, K, h, w])])
    # reshape_v_for_conv, apply_conv, apply_bias.
    v = b.reshape(v, [B, p.cin, kh, kw, h, w])
    v = b.node("Transpose", [v], perm=[0, 1, 4, 2, 5, 3])
    v = b.reshape(v, [B, p.cin, h * kh, w * kw])
    v = b.node("Conv", [v, weight_name], group=p.groups, kernel_shape=[kh, kw], strides=[kh, kw])
    return b.node("Add", [v, b.unsqueeze(bias_name, [0, 2, 3])])


def deformable_block(b, x, p, encoding, offset_std=1.5, modulated=True, bias=True):
    """BiRefNet's DeformableConv2d: offset Conv, modulator Conv → 2·Sigmoid, then deform_conv2d (bias zeros when
    the layer has none, as torchvision passes it). Offsets get a spread of about `offset_std` pixels, so the
    sampling crosses pixel and border boundaries."""
    k, g = p.k, p.offset_groups
    ow = b.conv_weight(p.cin, 2 * g * k * k, k, gain=1.0) * offset_std
    ob = (b.rng.standard_normal(2 * g * k * k) * 0.5).astype(np.float32)
    offset = b.conv(x, p.cin, 2 * g * k * k, k, p.stride, p.pad, p.dilation, w=ow, b=ob)
    mask = None
    if modulated:
        mw = b.conv_weight(p.cin, g * k * k, k, gain=1.0)
        m = b.conv(x, p.cin, g * k * k, k, p.stride, p.pad, p.dilation, w=mw)
        mask = b.node("Mul", [b.node("Sigmoid", [m]), b.const(np.array(2, np.float32))])
    wname = b.weight(b.conv_weight(p.cin, p.cout, k, p.groups, gain=2.0))
    bias_value = b.rng.standard_normal(p.cout) * 0.05 if bias else np.zeros(p.cout)
    bname = b.weight(bias_value.astype(np.float32), "b")
    fn = deform_native if encoding == "native" else deform_exporter
    return fn(b, x, offset, mask, wname, bname, p)


# ---- Models, ONNX Runtime ---------------------------------------------------------------------------------------

def finish(b, name, inputs, outputs, opset, producer):
    graph = helper.make_graph(b.nodes, name, inputs, outputs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer)
    model.ir_version = 8 if opset < 19 else 9
    onnx.checker.check_model(model)
    return model


def session(path, threads=2):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def describe(name, y):
    y = np.asarray(y)
    saturated = float(np.mean((y < 0.01) | (y > 0.99)))
    return (f"  {name} {list(y.shape)}: mean {y.mean():.4f}, std {y.std():.4f}, min {y.min():.4f}, max {y.max():.4f}"
            + (f", {100 * saturated:.1f}% below 0.01 or above 0.99" if y.min() >= 0 and y.max() <= 1 else ""))


def time_session(sess, feeds, runs=5, warmup=1):
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), float(min(times))


def peak_rss_mb(model_path, input_path):
    """Peak RSS (MB) of a separate process that loads the graph and runs it once with ONNX Runtime."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--rss", model_path, input_path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_rss_mb"]


def _rss_child(model_path, input_path):
    sess = session(model_path)
    x = np.load(input_path)
    sess.run(None, {sess.get_inputs()[0].name: x})
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def save_and_measure(model, out_dir, stem, x, measure=True, runs=5, extra_outputs=False):
    """Saves STEM.onnx, STEM.input_0.npy and STEM.output_K.npy (or the fixture layout when stem is None); returns
    (outputs, timing row)."""
    os.makedirs(out_dir, exist_ok=True)
    if stem is None:
        path = os.path.join(out_dir, "model.onnx")
        in_path, out_name = os.path.join(out_dir, "input_0.npy"), lambda k: os.path.join(out_dir, f"output_{k}.npy")
    else:
        path = os.path.join(out_dir, f"{stem}.onnx")
        in_path, out_name = os.path.join(out_dir, f"{stem}.input_0.npy"), lambda k: os.path.join(out_dir, f"{stem}.output_{k}.npy")
    onnx.save(model, path)
    np.save(in_path, x)
    sess = session(path)
    outs = sess.run(None, {sess.get_inputs()[0].name: x})
    for k, y in enumerate(outs):
        if k == 0 or extra_outputs:
            np.save(out_name(k), y)
    row = {"graph": stem or os.path.basename(out_dir), "path": path, "nodes": len(model.graph.node),
           "mb": os.path.getsize(path) / 1e6, "input": list(x.shape)}
    if measure:
        row["median_ms"], row["min_ms"] = time_session(sess, {sess.get_inputs()[0].name: x}, runs=runs)
        del sess
        row["peak_rss_mb"] = peak_rss_mb(path, in_path)
    return outs, row


def print_table(rows):
    print(f"{'graph':34} {'nodes':>6} {'MB':>7} {'input':>18} {'ORT median ms':>14} {'min ms':>9} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['graph']:34} {r['nodes']:6d} {r['mb']:7.2f} {str(r['input']):>18} "
              f"{r.get('median_ms', float('nan')):14.1f} {r.get('min_ms', float('nan')):9.1f} {r.get('peak_rss_mb', float('nan')):12.0f}")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--rss":
    _rss_child(sys.argv[2], sys.argv[3])
