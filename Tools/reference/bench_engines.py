"""Side-by-side latency of u2net-run, ONNX Runtime, MNN and OpenVINO (run through Tools/bench-engines.sh).

Each engine runs in its own process, so peak RSS is its own; the engines alternate for --rounds rounds,
and the figures reported are medians over rounds of each round's median. All run float32 on the CPU with
the same thread count and the same input tensor.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def test_input(size):
    import numpy as np
    x = ((np.arange(3 * size * size) * 7919 % 1000) / 250 - 2).astype(np.float32)
    return x.reshape(1, 3, size, size)


def free_size_model(path):
    """The model with free H and W (the file declares a fixed 320x320 input), serialised."""
    import onnx
    proto = onnx.load(path)
    for value in list(proto.graph.input) + list(proto.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].dim_param, dims[3].dim_param = "height", "width"
    return proto.SerializeToString()


def timed(run, runs):
    for _ in range(2):
        run()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "peak_rss_mb": rss}))


def ort_worker(args):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    model = args.model if args.size == 320 else free_size_model(args.model)
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    x = test_input(args.size)
    timed(lambda: sess.run(None, {name: x}), args.runs)


def mnn_worker(args):
    import MNN
    import numpy as np

    converted = os.path.join(tempfile.gettempdir(), "u2net-run-bench-%d.mnn" % os.getpid())
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "mnnconvert"), "-f", "ONNX", "--modelFile",
                    args.model, "--MNNModel", converted, "--bizCode", "bench"], check=True, capture_output=True)
    interpreter = MNN.Interpreter(converted)
    session = interpreter.createSession({"numThread": args.threads, "precision": "high"})
    x = test_input(args.size)
    inp = interpreter.getSessionInput(session)
    interpreter.resizeTensor(inp, x.shape)
    interpreter.resizeSession(session)
    host = MNN.Tensor(x.shape, MNN.Halide_Type_Float, x, MNN.Tensor_DimensionType_Caffe)

    def run():
        inp.copyFrom(host)
        interpreter.runSession(session)
        out = interpreter.getSessionOutputAll(session)
        for t in out.values():
            t.getNumpyData()
    try:
        timed(run, args.runs)
    finally:
        os.remove(converted)


def openvino_worker(args):
    import openvino as ov

    core = ov.Core()
    model = core.read_model(args.model)
    if args.size != 320:
        model.reshape({model.inputs[0]: [1, 3, args.size, args.size]})
    compiled = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": args.threads, "PERFORMANCE_HINT": "LATENCY",
                                                "INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": 1})
    request = compiled.create_infer_request()
    x = test_input(args.size)
    timed(lambda: request.infer({0: x}), args.runs)


WORKERS = {"onnxruntime": ort_worker, "mnn": mnn_worker, "openvino": openvino_worker}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--model", default="Weights/u2netp.onnx")
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--engines", default="onnxruntime,mnn,openvino", help="comma-separated rivals")
    p.add_argument("--worker", choices=sorted(WORKERS))
    args = p.parse_args()
    if args.worker:
        return WORKERS[args.worker](args)

    rivals = [e for e in args.engines.split(",") if e]
    rows = {name: [] for name in ["u2net-run"] + rivals}
    for _ in range(args.rounds):
        out = subprocess.run([args.binary, "bench", "--model", args.model, "--size", str(args.size),
                              "--threads", str(args.threads), "--runs", str(args.runs), "--json"],
                             check=True, capture_output=True, text=True).stdout
        rows["u2net-run"].append(json.loads(out.strip().splitlines()[-1]))
        for name in rivals:
            out = subprocess.run([sys.executable, __file__, "--worker", name, "--model", args.model, "--size", str(args.size),
                                  "--threads", str(args.threads), "--runs", str(args.runs)],
                                 check=True, capture_output=True, text=True).stdout
            rows[name].append(json.loads(out.strip().splitlines()[-1]))
    med = lambda name, key: statistics.median(r[key] for r in rows[name])
    ours = med("u2net-run", "median_ms")
    print(f"model {args.model}, {args.size}x{args.size}, {args.threads} threads, {args.rounds} rounds of {args.runs} runs")
    for name in rows:
        ratio = "" if name == "u2net-run" else f"   u2net-run / {name}: {ours / med(name, 'median_ms'):.2f}"
        print(f"{name:12s}  median {med(name, 'median_ms'):8.1f} ms   peak RSS {med(name, 'peak_rss_mb'):6.0f} MB{ratio}")


if __name__ == "__main__":
    main()
