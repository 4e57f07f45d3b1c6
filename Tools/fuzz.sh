#!/usr/bin/env bash
# Fuzzes one reader of untrusted bytes with libFuzzer (Swift's -sanitize=fuzzer,address), seeded from the test fixtures.
#
#   Tools/fuzz.sh TARGET SECONDS [libFuzzer options…]
#   targets: png jpeg webp heif tiff image (content sniffing → any decoder) onnx (ModelProto) tensor (TensorProto)
#            tflite (FlatBuffers reader + translation into the engine's graph; seeded from the face detector,
#            Weights/face_detection_short_range.tflite, 229 kB: inputs up to 256 kB)
#
# The fuzzer binary is built into .build-fuzz/ (git-ignored); the corpus grows in Fuzz/corpus/TARGET (git-ignored),
# crash files land in Fuzz/crashes/ (replay one with `swift run U2NetFuzz TARGET FILE`; each fixed crash becomes a
# test in Tests/*/FuzzRegressionTests.swift). Memory is bounded: RSS over 1 GB or any single allocation over
# 1 GB is reported as a failure, as is a leak (LeakSanitizer) or an input taking over 15 s.
# The build holds /tmp/u2net-build.lock; the run holds /tmp/u2net-bench.lock shared (benchmarks take it alone)
# at nice 19.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Tools/fuzz.sh TARGET SECONDS [libFuzzer options]}
seconds=${2:?usage: Tools/fuzz.sh TARGET SECONDS [libFuzzer options]}
shift 2
case $target in png|jpeg|webp|heif|tiff|image|onnx|tensor|tflite) ;; *) echo "unknown target '$target'" >&2; exit 2 ;; esac

# U2NET_FUZZ_NO_BUILD=1 reuses the fuzzer already built (several targets in a row while others hold the build lock).
if [ -z "${U2NET_FUZZ_NO_BUILD:-}" ]; then
  flock /tmp/u2net-build.lock swift build -c release --scratch-path .build-fuzz --product U2NetFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
fi
binary=.build-fuzz/release/U2NetFuzz

corpus=Fuzz/corpus/$target
seeds=Fuzz/corpus/$target-seeds
mkdir -p "$corpus" "$seeds" Fuzz/crashes
formats=Tests/MattingTests/Fixtures/formats
seed() { for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$seeds/" ; done; return 0; }
case $target in
  png) seed $formats/adobe.png $formats/astronaut-gray8.png ;;
  jpeg) seed $formats/adobe.jpg Tests/MattingTests/Fixtures/photos/rocket.jpg ;;
  webp) seed $formats/adobe.webp $formats/astronaut-lossy.webp ;;
  heif) seed $formats/adobe.heic $formats/adobe.avif ;;
  tiff) seed $formats/adobe.tif $formats/astronaut-gray8-packbits.tif ;;
  image) seed $formats/adobe.* ;;
  onnx) for d in Tests/EndToEndTests/Fixtures/onnx-node/*/; do
          [ -f "$d/model.onnx" ] && cp -n "$d/model.onnx" "$seeds/$(basename "$d").onnx"; done ;;
  tensor) for d in Tests/EndToEndTests/Fixtures/onnx-node/*/; do
          for f in "$d"test_data_set_0/*.pb; do [ -f "$f" ] && cp -n "$f" "$seeds/$(basename "$d")-$(basename "$f")"; done; done ;;
  tflite) seed Weights/face_detection_short_range.tflite
          set -- -max_len=262144 "$@" ;;
esac

export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0
export U2NET_FUZZ_TARGET=$target
set +e
flock -s /tmp/u2net-bench.lock nice -n 19 "$binary" -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
  -timeout=15 -print_final_stats=1 -artifact_prefix="Fuzz/crashes/$target-" "$@" "$corpus" "$seeds" >"Fuzz/$target.log" 2>&1
status=$?
set -e
grep -E 'ERROR|SUMMARY|DEADLY|Test unit written|leak|out-of-memory|timeout' "Fuzz/$target.log" | head -20 || true
grep -E '^#[0-9]+' "Fuzz/$target.log" | tail -1 || true
grep -E '^stat::' "Fuzz/$target.log" || true
echo "target $target: exit $status, corpus $(ls "$corpus" | wc -l) files, log Fuzz/$target.log"
exit $status
