#!/usr/bin/env bash
# Run on the device machine in every upload call (and safe to run again): checks the parts that have
# arrived in bench/gpu/parts/ against MANIFEST, says which are missing, and once all are there
# reassembles the bundle into bench/gpu/stage/ (STAGE overrides):
#   stage/neq/     the self-contained GPU build of neq, CUDA provider included
#   stage/cifar/   the CIFAR-10 subset (data_batch_1..5.bin, test_batch.bin)
# Exit 0 when the parts so far are intact (complete or not), 1 when one is corrupt or unknown.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
parts=${PARTS:-$repo/bench/gpu/parts}
stage=${STAGE:-$repo/bench/gpu/stage}
manifest="$parts/MANIFEST"
say() { printf '[stage] %s\n' "$*"; }

[[ -f "$manifest" ]] || { echo "error: $manifest is missing: carry bench/gpu/parts/MANIFEST in every call" >&2; exit 1; }
bundle_sha=$(awk '$1 == "bundle" {print $2}' "$manifest")
if [[ -f "$stage/.staged" && "$(cat "$stage/.staged")" == "$bundle_sha" ]]; then
    say "already staged in $stage (bundle $bundle_sha)"
    exit 0
fi

missing=() ; bad=0
while read -r kind sha size name; do
    [[ "$kind" == part ]] || continue
    f="$parts/$name"
    if [[ ! -f "$f" ]]; then missing+=("$name"); continue; fi
    if [[ "$(stat -c %s "$f")" != "$size" ]] || [[ "$(sha256sum "$f" | cut -d' ' -f1)" != "$sha" ]]; then
        echo "error: $f does not match MANIFEST (size or sha256): carry it again" >&2; bad=1
    else
        say "$name ok ($size bytes)"
    fi
done <"$manifest"
for f in "$parts"/part-*; do
    [[ -e "$f" ]] || continue
    grep -q " $(basename "$f")\$" "$manifest" || { echo "error: $f is not in MANIFEST (parts of another pack?)" >&2; bad=1; }
done
(( bad == 0 )) || exit 1
if (( ${#missing[@]} > 0 )); then
    say "waiting for ${missing[*]}"
    exit 0
fi

# xz's command, or python's lzma where a machine lacks it (the device's python has the standard library).
unxz() { if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi; }

say "all parts here: reassembling into $stage"
rm -rf "$stage"
mkdir -p "$stage/neq" "$stage/cifar"
cat "$parts"/part-* >"$stage/bundle.tar"
[[ "$(sha256sum "$stage/bundle.tar" | cut -d' ' -f1)" == "$bundle_sha" ]] || { echo "error: the reassembled bundle does not match MANIFEST" >&2; exit 1; }
tar -C "$stage" -xf "$stage/bundle.tar"
rm "$stage/bundle.tar"
unxz "$stage/neq.tar.xz" | tar -C "$stage/neq" -xf -
unxz "$stage/provider.so.xz" >"$stage/neq/libonnxruntime_providers_cuda.so"
mkdir -p "$stage/subset"
unxz "$stage/cifar-subset.tar.xz" | tar -C "$stage/subset" -xf -
# The official layout from the subset's records (neq --data reads only 10,000-record files): each
# training file repeats the training records, the test file the test records (README: the subset).
python3 - "$stage/subset" "$stage/cifar" <<'PY'
import os, sys
src, dst = sys.argv[1:]
rec, per_file = 3073, 10000
def fill(name):
    data = open(os.path.join(src, name), "rb").read()
    if not data or len(data) % rec:
        sys.exit(f"error: {name}: {len(data)} bytes, not a whole number of {rec}-byte records")
    return (data * (per_file * rec // len(data) + 1))[: per_file * rec], len(data) // rec
train, n_train = fill("train.bin")
test, n_test = fill("test.bin")
for i in range(1, 6):
    open(os.path.join(dst, f"data_batch_{i}.bin"), "wb").write(train)
open(os.path.join(dst, "test_batch.bin"), "wb").write(test)
open(os.path.join(dst, "SUBSET.txt"), "w").write(
    f"train_images={n_train} (the first of the official data_batch_1.bin, repeated in each data_batch_N.bin)\n"
    f"test_images={n_test} (the first of the official test_batch.bin, repeated in test_batch.bin)\n")
print(f"[stage] cifar: {n_train} training and {n_test} test images in the official layout")
PY
rm -rf "$stage/subset"
rm "$stage"/*.xz
echo "$bundle_sha" >"$stage/.staged"
say "staged: $(du -sm "$stage/neq" | cut -f1) MB neq, $(du -sm "$stage/cifar" | cut -f1) MB cifar"
