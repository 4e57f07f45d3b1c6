"""Two `u2net-run serve` replicas behind nginx (deploy/nginx/nginx.conf) on loopback; one is killed (SIGKILL)
mid-run and every request must still succeed (run through Tools/serve-failover.sh).
Bounded: --requests requests at --clients clients, to 127.0.0.1 only.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_serve import PHOTOS, Server, free_port, load  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--kill-after", type=int, default=60, help="kill replica 1 after this many answers")
    args = p.parse_args()

    prefix = tempfile.mkdtemp(prefix="u2net-nginx-")
    for d in ("logs", "tmp"):
        os.makedirs(os.path.join(prefix, d))
    ports = [free_port(), free_port()]
    front = free_port()
    conf = open(os.path.join(ROOT, "deploy", "nginx", "nginx.conf")).read()
    conf = conf.replace("127.0.0.1:7001", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:7002", f"127.0.0.1:{ports[1]}")
    conf = re.sub(r"listen 127\.0\.0\.1:8080;", f"listen 127.0.0.1:{front};", conf)
    conf_path = os.path.join(prefix, "nginx.conf")
    open(conf_path, "w").write(conf)

    replicas = [Server(f"u2net-run", [args.binary, "serve", "--port", str(port), "--max-concurrent", "2", "--queue", "16"], port)
                for port in ports]
    nginx = subprocess.Popen(["nginx", "-p", prefix, "-c", conf_path, "-g", "daemon off;"])
    time.sleep(1)
    photos = sorted(os.path.join(PHOTOS, f) for f in os.listdir(PHOTOS) if f.endswith((".png", ".jpg")))
    from bench_serve import form
    bodies = [form(f) for f in photos]

    class Front:
        port = front

    killed = {}

    def on_done(done):
        if done == args.kill_after and not killed:
            killed["at"] = done
            os.kill(replicas[0].proc.pid, signal.SIGKILL)
            print(f"replica on port {ports[0]} killed (SIGKILL) after {done} answers", flush=True)

    try:
        wall, lat, statuses = load(Front, bodies, args.requests, args.clients, on_done=on_done)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(10)
        for r in replicas:
            if r.proc.poll() is None:
                r.stop()
        shutil.rmtree(prefix, ignore_errors=True)
    ok = sum(1 for s in statuses if s == 200)
    print(f"{args.requests} requests at {args.clients} clients through nginx in {wall:.1f} s: {ok} answered 200, "
          f"{args.requests - ok} failed; statuses {sorted(set(statuses))}")
    sys.exit(0 if ok == args.requests and killed else 1)


if __name__ == "__main__":
    main()
