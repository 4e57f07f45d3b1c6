#!/usr/bin/env bash
# Copies the in-scope ONNX node test cases (see Tools/conformance.sh) of at most 16 KB each into
# Tests/EndToEndTests/Fixtures/onnx-node, and writes the opset-variant cases (Tools/reference/make_opset_fixtures.py,
# expected values from ONNX's reference evaluator or, where it lacks an op's old form, the specification's
# formula, cross-checked with ONNX Runtime) into Tests/EndToEndTests/Fixtures/onnx-opsets; `swift test` runs both
# through `u2net-run check`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
"$venv/bin/python" Tools/reference/make_opset_fixtures.py Tests/EndToEndTests/Fixtures/onnx-opsets
exec "$venv/bin/python" - <<'PY'
import os, shutil, sys
sys.path.insert(0, "Tools/reference")
import conformance as cf
if not os.path.exists(cf.SUITE):
    cf.write_suite()
target = "Tests/EndToEndTests/Fixtures/onnx-node"
shutil.rmtree(target, ignore_errors=True)
os.makedirs(target)
node = os.path.join(cf.SUITE, "node")
count = 0
for name in sorted(os.listdir(node)):
    path = os.path.join(node, name)
    ops, opset, in_scope, why = cf.describe(path)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    if in_scope and size <= 16000:
        shutil.copytree(path, os.path.join(target, name))
        count += 1
with open(os.path.join(target, "SOURCES.md"), "w") as f:
    f.write(f"""# ONNX node test cases

{count} cases written by the node-test generators of the `onnx` package 1.23.2
(`onnx.backend.test.case.node`, serialised by `onnx.backend.test.cmd_tools`), copied by
`Tools/make-op-fixtures.sh`: every case in the scope of `Tools/conformance.sh` of at most 16 KB.
ONNX is © the ONNX Project Contributors, Apache License 2.0.
""")
print(count, "cases")
PY
