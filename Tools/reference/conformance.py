"""ONNX conformance suite against `u2net-run check` (run through Tools/conformance.sh).

Scope, as the engine's op list defines it: cases at opset 7 or later whose ops are all in OPS and whose input
and output tensors are float32 / int64 / int32 / bool; training-mode Dropout (random by definition) excluded.
Every case of the suite runs, in scope or not, each in its own process with a time limit, so a crash or a hang
would show as such rather than stop the run.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITE = os.path.join(ROOT, "Tools", ".conformance")
DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")

OPS = set("""Conv ConvTranspose Relu Sigmoid Clip Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Reciprocal Floor Ceil Erf
Tanh Elu Selu LeakyRelu PRelu HardSigmoid HardSwish Softplus Gelu Min Max Sum Mean Where Equal MaxPool AveragePool
GlobalAveragePool GlobalMaxPool LRN BatchNormalization InstanceNormalization LayerNormalization Softmax MatMul Gemm
Resize Upsample DepthToSpace Concat Split Slice Pad Tile Expand Transpose Reshape Flatten Squeeze Unsqueeze Shape
Gather Cast Constant ConstantOfShape Identity Dropout ReduceMean ReduceSum ReduceMax""".split())
TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.INT32, onnx.TensorProto.BOOL}


def write_suite():
    if os.path.exists(SUITE):
        shutil.rmtree(SUITE)
    os.makedirs(SUITE)
    # Node tests: the package's generators, serialised by its own generate-data code.
    import onnx.backend.test.case.node as node_test
    import onnx.backend.test.cmd_tools as cmd_tools
    cmd_tools.model_test.collect_testcases = lambda: node_test.collect_testcases(None)
    cmd_tools.generate_data(argparse.Namespace(output=SUITE))
    for kind in ["pytorch-converted", "pytorch-operator", "simple"]:
        shutil.copytree(os.path.join(DATA, kind), os.path.join(SUITE, kind))
    from onnx.backend.test.runner import Runner
    light = os.path.join(SUITE, "light")
    for file in sorted(os.listdir(os.path.join(DATA, "light"))):
        if not file.endswith(".onnx"):
            continue
        name = file[:-5]
        case = os.path.join(light, name)
        os.makedirs(os.path.join(case, "test_data_set_0"))
        shutil.copy(os.path.join(DATA, "light", file), os.path.join(case, "model.onnx"))
        model = onnx.load(os.path.join(case, "model.onnx"))
        inits = {i.name for i in model.graph.initializer}
        k = 0
        for x in model.graph.input:
            if x.name in inits:
                continue
            value = Runner.generate_dummy_data(x, seed=0, name=name, random=False)
            with open(os.path.join(case, "test_data_set_0", f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(value).SerializeToString())
            k += 1
        for i in range(len(model.graph.output)):
            shutil.copy(os.path.join(DATA, "light", f"{name}_output_{i}.pb"),
                        os.path.join(case, "test_data_set_0", f"output_{i}.pb"))


def cases():
    out = []
    for kind in sorted(os.listdir(SUITE)):
        for name in sorted(os.listdir(os.path.join(SUITE, kind))):
            path = os.path.join(SUITE, kind, name)
            if os.path.exists(os.path.join(path, "model.onnx")):
                out.append((kind, name, path))
    return out


def describe(path):
    """(ops, opset, in scope?, why not)."""
    model = onnx.load(os.path.join(path, "model.onnx"), load_external_data=False)
    opset = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [0])
    ops = sorted({n.op_type for n in model.graph.node} | {n.op_type for g in subgraphs(model.graph) for n in g.node})
    domains = {n.domain for n in model.graph.node} - {"", "ai.onnx"}
    why = []
    if opset < 7:
        why.append(f"opset {opset}")
    if domains:
        why.append("domain " + ",".join(sorted(domains)))
    for v in list(model.graph.input) + list(model.graph.output):
        if not v.type.HasField("tensor_type") or v.type.tensor_type.elem_type not in TYPES:
            why.append(f"value {v.name} is not a float32/int64/int32/bool tensor")
    outside = [op for op in ops if op not in OPS]
    if outside:
        why.append("ops " + ",".join(outside))
    for d in sorted(os.listdir(path)):
        if not d.startswith("test_data_set_"):
            continue
        for f in sorted(os.listdir(os.path.join(path, d))):
            t = onnx.TensorProto()
            try:
                with open(os.path.join(path, d, f), "rb") as fh:
                    t.ParseFromString(fh.read())
            except Exception:
                why.append(f"{f} is not a plain tensor")
                continue
            if t.data_type not in TYPES:
                why.append(f"{f} type {onnx.TensorProto.DataType.Name(t.data_type)}")
    if "training_dropout" in os.path.basename(path) or "dropout" in os.path.basename(path) and "mask" in os.path.basename(path):
        why.append("training-mode Dropout")
    return ops, opset, not why, "; ".join(dict.fromkeys(why))


def subgraphs(graph):
    for n in graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield a.g
                yield from subgraphs(a.g)


def run_ours(binary, path, timeout):
    try:
        p = subprocess.run([binary, "check", path, "--json", "--threads", "1"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung", f"no result within {timeout} s"
    if p.returncode < 0:
        return "crashed", f"signal {-p.returncode}: {p.stderr.strip()[-300:]}"
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return "crashed", f"exit {p.returncode}, no result: {p.stderr.strip()[-300:]}"
    r = json.loads(lines[-1])
    return r["result"], r.get("detail", "")


def run_ort(path):
    import onnxruntime as ort
    try:
        sess = ort.InferenceSession(os.path.join(path, "model.onnx"), providers=["CPUExecutionProvider"])
        for d in sorted(x for x in os.listdir(path) if x.startswith("test_data_set_")):
            files = os.listdir(os.path.join(path, d))
            def load(prefix):
                names = sorted((f for f in files if f.startswith(prefix)), key=lambda f: int(f[len(prefix):-3]))
                return [numpy_helper.to_array(onnx.load_tensor(os.path.join(path, d, f))) for f in names]
            feeds = {i.name: v for i, v in zip(sess.get_inputs(), load("input_"))}
            got = sess.run(None, feeds)
            for g, w in zip(got, load("output_")):
                np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-7)
                if g.dtype != w.dtype:
                    return "mismatch"
        return "pass"
    except AssertionError:
        return "mismatch"
    except Exception:
        return "refused"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--ort", action="store_true", help="also run onnxruntime on the in-scope cases")
    p.add_argument("--only", help="substring of the case names to run")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=60)
    p.add_argument("--show", choices=["mismatch", "refused", "all"], help="list the in-scope cases that did not pass")
    args = p.parse_args()
    if args.regenerate or not os.path.exists(SUITE):
        write_suite()
    todo = [c for c in cases() if not args.only or args.only in c[1]]
    info = {c[2]: describe(c[2]) for c in todo}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = dict(zip([c[2] for c in todo], pool.map(lambda c: run_ours(args.binary, c[2], args.timeout), todo)))
    ort_results = {}
    if args.ort:
        ort_results = {c[2]: run_ort(c[2]) for c in todo if info[c[2]][2]}

    per_op = {}
    totals = {}
    scope = {"pass": 0, "mismatch": 0, "refused": 0, "crashed": 0, "hung": 0}
    for kind, name, path in todo:
        ops, opset, in_scope, why = info[path]
        result, detail = results[path]
        totals[result] = totals.get(result, 0) + 1
        if not in_scope:
            continue
        scope[result] += 1
        for op in ops:
            per_op.setdefault(op, {"pass": 0, "mismatch": 0, "refused": 0, "crashed": 0, "hung": 0})[result] += 1
        if args.show and result != "pass" and (args.show == "all" or args.show == result):
            print(f"  {kind}/{name}: {result} — {detail}")
    print(f"\n{'op':24s} {'passed':>7s} {'mismatched':>11s} {'refused':>8s}")
    for op in sorted(per_op):
        r = per_op[op]
        print(f"{op:24s} {r['pass']:7d} {r['mismatch']:11d} {r['refused'] + r['crashed'] + r['hung']:8d}")
    n = sum(scope.values())
    print(f"\nin scope: {n} cases; passed {scope['pass']} ({100 * scope['pass'] / max(n, 1):.1f}%), "
          f"mismatched {scope['mismatch']}, refused {scope['refused']}, crashed {scope['crashed']}, hung {scope['hung']}")
    if ort_results:
        fails = [p for p, r in ort_results.items() if r != "pass"]
        print(f"onnxruntime on the same cases: {len(ort_results) - len(fails)} passed; not passed: "
              + ", ".join(os.path.basename(p) for p in fails))
    light = [(c[1], results[c[2]][0]) for c in todo if c[0] == "light"]
    if light:
        print("light networks: " + ", ".join(f"{n} {r}" for n, r in light))
    print(f"whole suite: {len(todo)} cases; " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))


if __name__ == "__main__":
    main()
