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

say "all parts here: reassembling into $stage"
rm -rf "$stage"
mkdir -p "$stage/neq" "$stage/cifar"
cat "$parts"/part-* >"$stage/bundle.tar"
[[ "$(sha256sum "$stage/bundle.tar" | cut -d' ' -f1)" == "$bundle_sha" ]] || { echo "error: the reassembled bundle does not match MANIFEST" >&2; exit 1; }
tar -C "$stage" -xf "$stage/bundle.tar"
rm "$stage/bundle.tar"
xz -dc "$stage/neq.tar.xz" | tar -C "$stage/neq" -xf -
xz -dc "$stage/provider.so.xz" >"$stage/neq/libonnxruntime_providers_cuda.so"
xz -dc "$stage/cifar-subset.tar.xz" | tar -C "$stage/cifar" -xf -
rm "$stage"/*.xz
echo "$bundle_sha" >"$stage/.staged"
say "staged: $(du -sm "$stage/neq" | cut -f1) MB neq, $(du -sm "$stage/cifar" | cut -f1) MB cifar"
