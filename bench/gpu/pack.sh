#!/usr/bin/env bash
# Packs what a GPU run needs into parts small enough for the device tool (a call carries at most
# 64 MiB), in bench/gpu/parts/ (ignored):
#   bundle.tar = neq.tar.xz           the self-contained GPU build of neq (linux-x64), without the CUDA provider
#              + provider.so.xz       libonnxruntime_providers_cuda.so (~290 MB, the bulk; cached by its sha256)
#              + cifar-subset.tar.xz  CIFAR-10 subset in the binary layout neq --data reads
#   part-00, part-01, …               bundle.tar split into parts of PART_MIB (default 50) MiB
#   MANIFEST                          sha256 of every part and of the bundle, and what is inside
# bench/gpu/stage.sh reassembles the parts on the device; bench/gpu/README.md lists the calls.
#
# Environment: PART_MIB (50), TRAIN_IMAGES (10000), TEST_IMAGES (2000),
# CIFAR (/work/shared/data/cifar-10-binary.tar.gz), WORK (scratch, default ${TMPDIR:-/tmp}/neq-gpupack).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
parts="$repo/bench/gpu/parts"
part_mib=${PART_MIB:-50}
train_images=${TRAIN_IMAGES:-10000}
test_images=${TEST_IMAGES:-2000}
cifar=${CIFAR:-/work/shared/data/cifar-10-binary.tar.gz}
work=${WORK:-${TMPDIR:-/tmp}/neq-gpupack}
say() { printf '[pack] %s\n' "$*" >&2; }

[[ -f "$cifar" ]] || { echo "error: $cifar: no such file (set CIFAR to cifar-10-binary.tar.gz)" >&2; exit 1; }
(( train_images >= 1 && train_images <= 10000 )) || { echo "error: TRAIN_IMAGES must be 1..10000 (one batch file's worth), not $train_images" >&2; exit 1; }
(( test_images >= 1 && test_images <= 10000 )) || { echo "error: TEST_IMAGES must be 1..10000, not $test_images" >&2; exit 1; }
mkdir -p "$work" "$parts"

# 1. The GPU build, published from a copy of the working tree: publishing here with -r linux-x64
#    and -p:OrtGpu=true would rewrite the checkout's obj/ restore files, which the ordinary CPU
#    build and the tests share.
src="$work/src"
rm -rf "$src" "$work/publish"
mkdir -p "$src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard -- src Directory.Build.props Directory.Packages.props global.json \
    | xargs -0 -I{} cp --parents {} "$src/")
say "dotnet publish (self-contained linux-x64, -p:OrtGpu=true)"
dotnet publish "$src/src/Neq.Train/Neq.Train.csproj" -c Release -r linux-x64 --self-contained true \
    -p:OrtGpu=true -p:DebugType=none -p:GenerateDocumentationFile=false -o "$work/publish" >"$work/publish.log" 2>&1 \
    || { tail -30 "$work/publish.log" >&2; echo "error: dotnet publish failed (log: $work/publish.log)" >&2; exit 1; }
pub="$work/publish"
provider="$pub/libonnxruntime_providers_cuda.so"
[[ -f "$provider" && -f "$pub/libonnxruntime.so" && -x "$pub/neq" ]] \
    || { echo "error: $pub lacks neq, libonnxruntime.so or libonnxruntime_providers_cuda.so: is the GPU package restored?" >&2; exit 1; }
# The GPU package also copies its Windows native libraries (onnxruntime*.dll, ~300 MB) into a
# linux-x64 publish; TensorRT's provider needs TensorRT, which the device lacks.
rm -f "$pub"/onnxruntime*.dll "$pub"/libonnxruntime_providers_tensorrt.so "$pub"/*.pdb

# 2. The provider, compressed once per version (xz -9 on ~290 MB takes minutes).
sha=$(sha256sum "$provider" | cut -d' ' -f1)
if [[ ! -f "$work/provider.so.xz" || "$(cat "$work/provider.sha256" 2>/dev/null)" != "$sha" ]]; then
    say "xz -9 libonnxruntime_providers_cuda.so ($(du -m "$provider" | cut -f1) MB)"
    xz -9 -T0 -c "$provider" >"$work/provider.so.xz.tmp"
    mv "$work/provider.so.xz.tmp" "$work/provider.so.xz"
    echo "$sha" >"$work/provider.sha256"
fi

# 3. Everything else of the publish folder.
say "xz neq (self-contained, without the provider)"
tar -C "$pub" --exclude=libonnxruntime_providers_cuda.so -cf - . | xz -9 -T0 >"$work/neq.tar.xz"

# 4. The CIFAR subset. The loader takes only the official layout (five training files and a test
#    file of 10,000 records each), so the first TRAIN_IMAGES training images are repeated to fill
#    all five training files and the first TEST_IMAGES test images to fill the test file. The copies
#    cost nothing after xz (its 64 MiB window spans a whole file); a run takes the subset with
#    --train-size / --test-size (the test images are read in order, so --test-size TEST_IMAGES is
#    exactly the subset; training draws --train-size images from the shuffled copies).
say "CIFAR subset: $train_images training images (repeated into 5 files), $test_images test images"
python3 - "$cifar" "$work/cifar" "$train_images" "$test_images" <<'PY'
import os, sys, tarfile
src, dst, n_train, n_test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rec, per_file = 3073, 10000
os.makedirs(dst, exist_ok=True)
with tarfile.open(src, "r:gz") as t:
    def member(name):
        return t.extractfile(f"cifar-10-batches-bin/{name}").read()
    first, test = member("data_batch_1.bin"), member("test_batch.bin")
def fill(data, n):
    block = data[: n * rec]
    out = (block * (per_file // n + 1))[: per_file * rec]
    assert len(out) == per_file * rec
    return out
train = fill(first, n_train)
for i in range(1, 6):
    with open(os.path.join(dst, f"data_batch_{i}.bin"), "wb") as f:
        f.write(train)
with open(os.path.join(dst, "test_batch.bin"), "wb") as f:
    f.write(fill(test, n_test))
with open(os.path.join(dst, "SUBSET.txt"), "w") as f:
    f.write(f"train_images={n_train}\ntest_images={n_test}\n"
            "data_batch_1..5: the first train_images records of the official data_batch_1.bin, repeated to 10,000 records each\n"
            "test_batch: the first test_images records of the official test_batch.bin, repeated to 10,000 records\n")
PY
tar -C "$work/cifar" -cf - . | xz -9 -T0 >"$work/cifar-subset.tar.xz"

# 5. One uncompressed tar of the three, split into parts.
rm -f "$parts"/part-* "$parts"/MANIFEST "$work/bundle.tar"
tar -C "$work" -cf "$work/bundle.tar" provider.so.xz neq.tar.xz cifar-subset.tar.xz
split -b "${part_mib}M" -d -a 2 "$work/bundle.tar" "$parts/part-"
{
    echo "# bench/gpu/pack.sh $(date -u +%FT%TZ), commit $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- src || echo ' (with uncommitted changes)')"
    echo "# subset: train_images=$train_images test_images=$test_images; provider sha256 $sha"
    for f in provider.so.xz neq.tar.xz cifar-subset.tar.xz; do echo "# $(stat -c %s "$work/$f") $f"; done
    echo "bundle $(sha256sum "$work/bundle.tar" | cut -d' ' -f1) $(stat -c %s "$work/bundle.tar")"
    (cd "$parts" && for p in part-*; do echo "part $(sha256sum "$p" | cut -d' ' -f1) $(stat -c %s "$p") $p"; done)
} >"$parts/MANIFEST"
rm -f "$work/bundle.tar"
cat "$parts/MANIFEST"
limit=$(( part_mib * 1024 * 1024 ))
for p in "$parts"/part-*; do
    (( $(stat -c %s "$p") <= limit )) || { echo "error: $p exceeds $part_mib MiB" >&2; exit 1; }
done
say "$(ls "$parts"/part-* | wc -l) parts in $parts"
