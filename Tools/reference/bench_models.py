"""u2net-run against ONNX Runtime on the random-weight model graphs (run through Tools/bench-models.sh).

For each graph and round: ONNX Runtime in a process of its own (load, one warm-up, --runs timed runs on the graph's
reference input, peak RSS from getrusage), then `u2net-run bench --model GRAPH --runs R --warmup 1 --threads T --json`
(its own deterministic input of the same shape). Reported: the medians over rounds of each round's median, the ratio
ours/ORT, and the largest peak RSS of each engine's processes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

DEFAULT = ["isnet-1024", "birefnet-1024", "birefnet-256", "birefnet-decomposed-256",
           "deform3-native", "deform3-exporter", "deform7-native", "deform7-exporter"]


def ort_worker(model, input_path, runs, threads):
    import numpy as np
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from graph_builder import session, time_session, vm_hwm_mb
    sess = session(model, threads)
    feeds = {sess.get_inputs()[0].name: np.load(input_path)}
    median_ms, _ = time_session(sess, feeds, runs=runs, warmup=1)
    print(json.dumps({"median_ms": median_ms, "peak_rss_mb": vm_hwm_mb()}))


def accuracy(args, g, model, inp):
    """`u2net-run infer` on the graph's reference input against ONNX Runtime's first output: sigmoid outputs within
    1e-3 max-abs and 1e-4 mean-abs, raw maps (the deformable blocks) within 1e-3·max|ref| + 1e-4."""
    import tempfile
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ours.npy")
        p = subprocess.run([args.binary, "infer", "--model", model, "--input", inp, "--output", out, "--threads",
                            str(args.threads)], capture_output=True, text=True)
        if p.returncode != 0:
            return "infer failed: " + (p.stderr.strip().splitlines() or ["?"])[-1]
        ours = np.load(out)
    ref = np.load(os.path.join(args.dir, g + ".output_0.npy"))
    if ours.shape != ref.shape:
        return f"output shape {ours.shape}, ORT's {ref.shape}: FAIL"
    d = np.abs(ours.astype(np.float64) - ref)
    if g.startswith("deform"):
        ok, limit = d.max() <= 1e-3 * np.abs(ref).max() + 1e-4, "1e-3·max|ref| + 1e-4"
    else:
        ok, limit = d.max() <= 1e-3 and d.mean() <= 1e-4, "1e-3 / 1e-4"
    return f"vs ORT: max-abs {d.max():.2g}, mean-abs {d.mean():.2g} ({limit}: {'ok' if ok else 'FAIL'})"


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--binary", default=".build/release/u2net-run")
    a.add_argument("--dir", default="Tools/.model-graphs")
    a.add_argument("--graphs", nargs="*", default=DEFAULT)
    a.add_argument("--runs", type=int, default=5)
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--no-check", dest="check", action="store_false",
                   help="skip the comparison of our first output with ONNX Runtime's on the reference input")
    a.add_argument("--ort-worker", nargs=2, metavar=("MODEL", "INPUT"), help=argparse.SUPPRESS)
    args = a.parse_args()
    if args.ort_worker:
        return ort_worker(*args.ort_worker, args.runs, args.threads)
    rows = []
    for g in args.graphs:
        model, inp = os.path.join(args.dir, g + ".onnx"), os.path.join(args.dir, g + ".input_0.npy")
        if not os.path.exists(model):
            print(f"{g}: {model} missing (Tools/make-model-graphs.sh writes it)", file=sys.stderr)
            continue
        ort_t, ort_rss, our_t, our_rss, error = [], [], [], [], None
        for _ in range(args.rounds):
            out = subprocess.run([sys.executable, __file__, "--ort-worker", model, inp, "--runs", str(args.runs),
                                  "--threads", str(args.threads)], check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            ort_t.append(r["median_ms"]); ort_rss.append(r["peak_rss_mb"])
            if error is None:
                p = subprocess.run([args.binary, "bench", "--model", model, "--runs", str(args.runs), "--warmup", "1",
                                    "--threads", str(args.threads), "--json"], capture_output=True, text=True)
                if p.returncode != 0:
                    error = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
                else:
                    r = json.loads(p.stdout.strip().splitlines()[-1])
                    our_t.append(r["median_ms"]); our_rss.append(r["peak_rss_mb"])
            print(f"  {g}: ORT {ort_t[-1]:.0f} ms" + (f", ours {our_t[-1]:.0f} ms" if our_t and error is None else ""),
                  file=sys.stderr, flush=True)
        check = accuracy(args, g, model, inp) if error is None and args.check else ""
        rows.append((g, statistics.median(ort_t), max(ort_rss), statistics.median(our_t) if our_t else None,
                     max(our_rss) if our_rss else None, error or check))
    print(f"{'graph':26} {'ORT ms':>9} {'ours ms':>9} {'ours/ORT':>9} {'ORT RSS MB':>11} {'ours RSS MB':>12}")
    for g, ot, orss, ut, urss, err in rows:
        if ut is None:
            print(f"{g:26} {ot:9.0f} {'—':>9} {'—':>9} {orss:11.0f} {'—':>12}  our engine: {err}")
        else:
            print(f"{g:26} {ot:9.0f} {ut:9.0f} {ut / ot:9.2f} {orss:11.0f} {urss:12.0f}  {err}")


if __name__ == "__main__":
    main()
