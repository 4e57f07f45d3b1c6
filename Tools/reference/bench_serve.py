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

        print("\n| server | clients | requests | throughput (req/s) | p50 (ms) | p99 (ms) | errors |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        results = {}
        for clients in [int(x) for x in args.levels.split(",")]:
            for s in servers:
                n = max(args.per_level, 4 * clients)
                wall, lat, st = load(s, bodies, n, clients)
                bad = sum(1 for x in st if x != 200)
                results[(s.name, clients)] = n / wall
                print(f"| {s.name} | {clients} | {n} | {n / wall:.2f} | {pct(lat, 50) * 1000:.0f} | {pct(lat, 99) * 1000:.0f} | {bad} |",
                      flush=True)

        print("\n| server | soak requests at 4 clients | all 200 | RSS after 100 | RSS at the end | growth | peak RSS | throughput |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for s in servers:
            total = args.soak if s.name == "u2net-run" else args.rembg_soak
            marks = {}

            def mark(done, s=s, marks=marks):
                if done == 100:
                    marks[100] = rss_mb(s.proc.pid)

            wall, lat, st = load(s, bodies, total, 4, on_done=mark)
            end = rss_mb(s.proc.pid)
            ok = all(x == 200 for x in st)
            print(f"| {s.name} | {total} | {'yes' if ok else 'NO: ' + str(sum(1 for x in st if x != 200)) + ' failed'} | "
                  f"{marks.get(100, float('nan')):.0f} MB | {end:.0f} MB | {end - marks.get(100, float('nan')):+.1f} MB | "
                  f"{rss_mb(s.proc.pid, 'VmHWM'):.0f} MB | {total / wall:.2f} req/s |", flush=True)
    finally:
        for s in servers:
            s.stop()

    folder = os.path.join(home, "batch")
    os.makedirs(folder)
    for i in range(args.batch):
        src = photos[i % len(photos)]
        shutil.copy(src, os.path.join(folder, f"{i:03d}{os.path.splitext(src)[1]}"))
    t0 = time.perf_counter()
    subprocess.run([args.binary, folder, "-o", os.path.join(home, "out"), "--quiet"], check=True, env=env)
    wall = time.perf_counter() - t0
    server4 = results.get(("u2net-run", 4))
    print(f"\ncommand-line batch of {args.batch} photos: {wall:.2f} s, {args.batch / wall:.2f} photos/s"
          + (f"; u2net-run serve at 4 clients: {server4:.2f} req/s, ratio batch/serve {args.batch / wall / server4:.2f}" if server4 else ""))
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
