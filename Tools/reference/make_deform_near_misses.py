"""Small deformable blocks in deform_conv2d_onnx_exporter's encoding for the chain-fusion tests
(Tools/make-model-graphs.sh --fixtures): graphs the engine's fusion must recognise, and near-misses — the same
graph with one op changed — that it must leave as plain ops. ONNX Runtime's outputs for each.

  python make_deform_near_misses.py OUT_DIR

Writes OUT_DIR/deform-chain-<case>/{model.onnx,input_0.npy,output_0.npy} and OUT_DIR/deform-chain-cases.txt
(one line per case: name, whether the fusion must apply).
"""
import copy
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import graph_builder as gb


def block(p, modulated=True, seed=7):
    b = gb.Builder(seed, 17)
    gb.deformable_block(b, "input", p, "exporter", modulated=modulated)
    b.nodes[-1].output[0] = "output"
    return gb.finish(b, "deform_chain", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, p.cin, p.h, p.w])],
                     [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, p.cout, p.out_h, p.out_w])],
                     17, "make_deform_near_misses")


def nodes_of(model, op):
    return [n for n in model.graph.node if n.op_type == op]


def producer(model, value):
    return next(n for n in model.graph.node if value in n.output)


def constant_value(model, name):
    node = producer(model, name)
    assert node.op_type == "Constant"
    return numpy_helper.to_array(node.attribute[0].t)


def set_constant(model, name, value):
    node = producer(model, name)
    node.attribute[0].t.CopyFrom(numpy_helper.from_array(np.asarray(value), node.attribute[0].t.name))


# Near-misses: each changes one thing so that the chain no longer computes DeformConv (or no longer only it).
def swapped_corner_weights(m):
    """The top-left corner weighted by the bottom-right weight and vice versa."""
    s = nodes_of(m, "Sum")[0]
    muls = [producer(m, v) for v in s.input]
    a, b = muls[0], muls[1]
    a.input[0], b.input[0] = b.input[0], a.input[0]


def clip_off_by_one(m):
    """One row clip stops a row short of the padded input's last row."""
    clip = nodes_of(m, "Clip")[0]
    set_constant(m, clip.input[2], constant_value(m, clip.input[2]) - 1)


def grid_moved(m):
    """One entry of the sampling grid moved by one pixel."""
    add = next(n for n in nodes_of(m, "Add") if producer(m, n.input[0]).op_type == "Constant"
               and constant_value(m, n.input[0]).ndim == 6)
    g = constant_value(m, add.input[0]).copy()
    g[0, 0, 4, 0, 2, 3] += 1
    set_constant(m, add.input[0], g)


def padded_with_ones(m):
    """The input padded with ones instead of zeros."""
    pad = nodes_of(m, "Pad")[0]
    one = "pad_value_one"
    m.graph.node.insert(0, helper.make_node("Constant", [], [one], value=numpy_helper.from_array(np.array(1, np.float32), one)))
    while len(pad.input) < 3:
        pad.input.append("")
    pad.input[2] = one


def gathered_also_output(m):
    """A gathered corner tensor is also a graph output (so it must exist)."""
    g = nodes_of(m, "GatherND")[0]
    info = helper.make_tensor_value_info(g.output[0], TensorProto.FLOAT, None)
    m.graph.output.append(info)


def taps_transposed(m):
    """The sampled columns laid out with the kernel's rows and columns swapped before the stride-k Conv."""
    t = next(n for n in nodes_of(m, "Transpose") if list(n.attribute[0].ints) == [0, 1, 4, 2, 5, 3])
    del t.attribute[0].ints[:]
    t.attribute[0].ints.extend([0, 1, 4, 3, 5, 2])


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(11)
    cases = []
    plain = gb.DeformParams(1, 8, 6, 12, 10, 3)
    strided = gb.DeformParams(1, 8, 8, 13, 12, 3, stride=2, pad=2, dilation=2, groups=2, offset_groups=2)
    matches = [("match", plain, True), ("match-unmodulated", plain, False), ("match-strided", strided, True)]
    misses = [("swapped-weights", swapped_corner_weights), ("clip-off-by-one", clip_off_by_one),
              ("grid-moved", grid_moved), ("padded-with-ones", padded_with_ones),
              ("gathered-also-output", gathered_also_output), ("taps-transposed", taps_transposed)]
    models = [(name, block(p, modulated), p, fused) for name, p, modulated in matches for fused in [True]]
    base = block(plain)
    for name, change in misses:
        m = copy.deepcopy(base)
        change(m)
        models.append((name, m, plain, False))
    for name, model, p, fused in models:
        x = rng.standard_normal((1, p.cin, p.h, p.w)).astype(np.float32)
        ys, _ = gb.save_and_measure(model, os.path.join(out, f"deform-chain-{name}"), None, x, measure=False)
        print(f"deform-chain-{name}: fused {fused}; {gb.describe('output', ys[0]).strip()}")
        cases.append(f"{name} {'fused' if fused else 'plain'}")
    with open(os.path.join(out, "deform-chain-cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")


if __name__ == "__main__":
    main()
