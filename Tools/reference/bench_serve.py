"""`u2net-run serve` against `rembg s` under load, on loopback (run through Tools/bench-serve.sh).

Both servers run side by side in the same run and get the same requests: rembg's form (POST /api/remove,
multipart field `file`, model=u2netp) with the test photos in turn. For 1, 2, 4 and 8 concurrent clients
(keep-alive connections, one thread each) the levels alternate between the servers: throughput and p50/p99
latency. Then a soak of --soak requests at 4 clients against each server: every answer must be 200; the
server's resident memory (VmRSS) is read after request 100 and after the last one. Last, the command line's
batch on the same photos (a folder of --batch copies), for photos per second without HTTP.
Every request goes to 127.0.0.1; every loop is bounded in count.
"""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "Tests", "MattingTests", "Fixtures", "photos")
REMBG = os.path.join(os.path.dirname(sys.executable), "rembg")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    """User + system CPU time of a process so far (a figure a busy, shared machine disturbs less than wall time)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_batch(binary, photos, count, home, env):
    """The command line on a folder of `count` copies of the photos: (photos per second, CPU ms per photo)."""
    folder = os.path.join(home, f"batch-{uuid.uuid4().hex}")
    os.makedirs(folder)
    for i in range(count):
        src = photos[i % len(photos)]
        shutil.copy(src, os.path.join(folder, f"{i:03d}{os.path.splitext(src)[1]}"))
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary, folder, "-o", folder + "-out", "--quiet"], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit("the command line's batch failed")
    return count / wall, 1000 * (usage.ru_utime + usage.ru_stime) / count


def form(photo_path):
    boundary = "bench-" + uuid.uuid4().hex
    data = open(photo_path, "rb").read()
    kind = "image/jpeg" if photo_path.endswith(".jpg") else "image/png"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nu2netp\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(photo_path)}\"\r\n"
            f"Content-Type: {kind}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Server:
    def __init__(self, name, cmd, port, env=None):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} exited at start")
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/readyz" if name == "u2net-run" else "/api")
                r = c.getresponse()
                r.read()
                if r.status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{name} did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def load(server, bodies, requests, clients, on_done=None):
    """`requests` requests over `clients` keep-alive connections; returns (wall seconds, latencies, statuses)."""
    lock = threading.Lock()
    state = {"next": 0, "done": 0}
    latencies, statuses = [], []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        while True:
            with lock:
                i = state["next"]
                if i >= requests:
                    break
                state["next"] += 1
            body, ctype = bodies[i % len(bodies)]
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/remove", body=body, headers={"Content-Type": ctype})
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                statuses.append(status)
                state["done"] += 1
                done = state["done"]
            if on_done:
                on_done(done)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, statuses


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--levels", default="1,2,4,8")
    p.add_argument("--per-level", type=int, default=40, help="requests per concurrency level and server")
    p.add_argument("--soak", type=int, default=1000, help="requests of u2net-run's soak at 4 clients")
    p.add_argument("--rembg-soak", type=int, default=200, help="requests of rembg's soak at 4 clients")
    p.add_argument("--batch", type=int, default=40, help="photos in the command line's batch")
    p.add_argument("--max-concurrent", type=int, default=2)
    p.add_argument("--no-rembg", action="store_true")
    args = p.parse_args()

    photos = sorted(os.path.join(PHOTOS, f) for f in os.listdir(PHOTOS) if f.endswith((".png", ".jpg")))
    bodies = [form(f) for f in photos]
    home = tempfile.mkdtemp(prefix="bench-serve-")
    shutil.copy(os.path.join(ROOT, "Weights", "u2netp.onnx"), os.path.join(home, "u2netp.onnx"))
    env = dict(os.environ, U2NET_HOME=home)
    servers = []
    try:
        port = free_port()
        ours = Server("u2net-run", [args.binary, "serve", "--port", str(port), "--max-concurrent", str(args.max_concurrent),
                                    "--queue", "64"], port, env)
        servers.append(ours)
        if not args.no_rembg:
            port = free_port()
            servers.append(Server("rembg s", [REMBG, "s", "--host", "127.0.0.1", "--port", str(port)], port, env))
        print(f"photos: {', '.join(os.path.basename(f) for f in photos)}; {os.cpu_count()} cores", flush=True)
        for s in servers:
            load(s, bodies, 6, 1)  # warm-up: models loaded, sessions planned
            print(f"{s.name}: RSS after warm-up {rss_mb(s.proc.pid):.0f} MB", flush=True)

        print("\n| server | clients | requests | throughput (req/s) | p50 (ms) | p99 (ms) | CPU per request (ms) | errors |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        batch = None
        results = {}
        for clients in [int(x) for x in args.levels.split(",")]:
            for s in servers:
                n = max(args.per_level, 4 * clients)
                c0 = cpu_seconds(s.proc.pid)
                wall, lat, st = load(s, bodies, n, clients)
                cpu = 1000 * (cpu_seconds(s.proc.pid) - c0) / n
                bad = sum(1 for x in st if x != 200)
                results[(s.name, clients)] = (n / wall, cpu)
                print(f"| {s.name} | {clients} | {n} | {n / wall:.2f} | {pct(lat, 50) * 1000:.0f} | {pct(lat, 99) * 1000:.0f} | {cpu:.0f} | {bad} |",
                      flush=True)
                if s.name == "u2net-run" and clients == 4:
                    # The command line's batch on the same photos, right after (the machine's load changes over minutes).
                    batch = cli_batch(args.binary, photos, args.batch, home, env)

        print("\n| server | soak requests at 4 clients | all 200 | RSS after 100 | RSS at the end | growth | peak RSS | throughput | CPU per request |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for s in servers:
            total = args.soak if s.name == "u2net-run" else args.rembg_soak
            marks = {}

            def mark(done, s=s, marks=marks):
                if done == 100:
                    marks[100] = rss_mb(s.proc.pid)

            c0 = cpu_seconds(s.proc.pid)
            wall, lat, st = load(s, bodies, total, 4, on_done=mark)
            cpu = 1000 * (cpu_seconds(s.proc.pid) - c0) / total
            end = rss_mb(s.proc.pid)
            ok = all(x == 200 for x in st)
            print(f"| {s.name} | {total} | {'yes' if ok else 'NO: ' + str(sum(1 for x in st if x != 200)) + ' failed'} | "
                  f"{marks.get(100, float('nan')):.0f} MB | {end:.0f} MB | {end - marks.get(100, float('nan')):+.1f} MB | "
                  f"{rss_mb(s.proc.pid, 'VmHWM'):.0f} MB | {total / wall:.2f} req/s | {cpu:.0f} ms |", flush=True)
    finally:
        for s in servers:
            s.stop()

    if batch is None:
        batch = cli_batch(args.binary, photos, args.batch, home, env)
    print(f"\ncommand-line batch of {args.batch} photos: {batch[0]:.2f} photos/s, {batch[1]:.0f} ms CPU per photo")
    if ("u2net-run", 4) in results:
        rate, cpu = results[("u2net-run", 4)]
        print(f"u2net-run serve at 4 clients: {rate:.2f} req/s, {cpu:.0f} ms CPU per request; "
              f"batch/serve: throughput {batch[0] / rate:.2f}, CPU {cpu / batch[1]:.2f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
