#!/usr/bin/env bash
# Lists the library's public surface per module (what `import U2Net` exposes) and every public declaration
# without a doc comment. Exit status 1 when one is undocumented.
#   Tools/public-api.sh            summary and undocumented declarations
#   Tools/public-api.sh --list     every public declaration
set -euo pipefail
cd "$(dirname "$0")/.."
# (Extracting the test modules' graphs fails; the library modules' are what matter.)
swift package dump-symbol-graph --skip-synthesized-members --minimum-access-level public >/tmp/u2net-symbolgraph.log 2>&1 || true
dir=$(grep -o '/[^ ]*symbolgraph$' /tmp/u2net-symbolgraph.log | tail -1)
[ -f "$dir/U2Net.symbols.json" ] || { tail -20 /tmp/u2net-symbolgraph.log; exit 2; }
python3 - "$dir" "${1:-}" <<'PY'
import json, os, sys
folder, mode = sys.argv[1], sys.argv[2]
modules = ["NNTensor", "ONNXFormat", "TFLiteFormat", "NNRuntime", "Imaging", "Matting", "Faces", "ModelCheck", "U2Net"]
undocumented = []
for module in modules:
    path = os.path.join(folder, module + ".symbols.json")
    if not os.path.exists(path):
        continue
    graph = json.load(open(path))
    symbols = [s for s in graph["symbols"] if s["accessLevel"] in ("public", "open")]
    names = sorted(".".join(s["pathComponents"]) + (" (" + s["kind"]["displayName"] + ")") for s in symbols)
    types = sorted(".".join(s["pathComponents"]) for s in symbols if len(s["pathComponents"]) == 1)
    print(f"{module}: {len(symbols)} public declarations; top level: {', '.join(types) or '—'}")
    if mode == "--list":
        for n in names:
            print("   ", n)
    for s in symbols:
        if not s.get("docComment", {}).get("lines"):
            loc = s.get("location", {})
            file = loc.get("uri", "").split("/Sources/")[-1]
            line = loc.get("position", {}).get("line", 0) + 1
            undocumented.append(f"{module}: {'.'.join(s['pathComponents'])} ({s['kind']['displayName']}) Sources/{file}:{line}")
print(f"{len(undocumented)} undocumented")
for u in undocumented:
    print("  ", u)
sys.exit(1 if undocumented else 0)
PY
