"""Side-by-side latency of u2net-run and ONNX Runtime (run through Tools/bench-engines.sh).

Each engine runs in its own process, so peak RSS is its own; the two alternate for --rounds rounds,
and the figures reported are medians over rounds of each round's median.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def ort_worker(args):
    import numpy as np
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    model = args.model
    if args.size != 320:
        # The file declares a fixed 320x320 input; give ONNX Runtime the same graph with free H and W.
        import onnx
        proto = onnx.load(args.model)
        for value in list(proto.graph.input) + list(proto.graph.output):
            dims = value.type.tensor_type.shape.dim
            if len(dims) == 4:
                dims[2].dim_param, dims[3].dim_param = "height", "width"
        model = proto.SerializeToString()
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    x = ((np.arange(3 * args.size * args.size) * 7919 % 1000) / 250 - 2).astype(np.float32)
    x = x.reshape(1, 3, args.size, args.size)
    for _ in range(2):
        sess.run(None, {name: x})
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        sess.run(None, {name: x})
        times.append((time.perf_counter() - t0) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "peak_rss_mb": rss}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--model", default="Weights/u2netp.onnx")
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--ort-worker", action="store_true")
    args = p.parse_args()
    if args.ort_worker:
        return ort_worker(args)

    ours, theirs = [], []
    for _ in range(args.rounds):
        out = subprocess.run([args.binary, "bench", "--model", args.model, "--size", str(args.size),
                              "--threads", str(args.threads), "--runs", str(args.runs), "--json"],
                             check=True, capture_output=True, text=True).stdout
        ours.append(json.loads(out.strip().splitlines()[-1]))
        out = subprocess.run([sys.executable, __file__, "--ort-worker", "--model", args.model, "--size", str(args.size),
                              "--threads", str(args.threads), "--runs", str(args.runs)],
                             check=True, capture_output=True, text=True).stdout
        theirs.append(json.loads(out.strip().splitlines()[-1]))
    med = lambda rows, key: statistics.median(r[key] for r in rows)
    a, b = med(ours, "median_ms"), med(theirs, "median_ms")
    print(f"model {args.model}, {args.size}x{args.size}, {args.threads} threads, {args.rounds} rounds of {args.runs} runs")
    print(f"u2net-run     median {a:8.1f} ms   peak RSS {med(ours, 'peak_rss_mb'):6.0f} MB")
    print(f"onnxruntime   median {b:8.1f} ms   peak RSS {med(theirs, 'peak_rss_mb'):6.0f} MB")
    print(f"ratio u2net-run / onnxruntime: {a / b:.2f}")


if __name__ == "__main__":
    main()
