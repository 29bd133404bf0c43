#!/usr/bin/env bash
# Packs what a GPU run needs into parts small enough for the device tool (a call carries at most
# 64 MiB), in bench/gpu/parts/ (ignored):
#   bundle.tar = neq.tar.xz           the self-contained GPU build of neq (linux-x64), without the CUDA provider
#              + provider.so.xz       libonnxruntime_providers_cuda.so (~290 MB, the bulk; cached by its sha256)
#              + cifar-subset.tar.xz  the CIFAR-10 subset's records (stage.sh writes the layout neq --data reads)
#   part-00, part-01, …               bundle.tar split into parts of PART_MIB (default 50) MiB
#   MANIFEST                          sha256 of every part and of the bundle, and what is inside
# bench/gpu/stage.sh reassembles the parts on the device; bench/gpu/README.md lists the calls.
#
# Environment: PART_MIB (50), PROVIDER_XZ (xz level of the provider, 1), TRAIN_IMAGES (10000), TEST_IMAGES (2000),
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

# 2. The provider, compressed once per version and level. xz -1 (the default) gives 190 MB from
#    284 MB in about a CPU minute; xz -9 gains ~3 % (184-187 MB) for many CPU minutes.
sha=$(sha256sum "$provider" | cut -d' ' -f1)
level=${PROVIDER_XZ:-1}
if [[ ! -f "$work/provider.so.xz" || "$(cat "$work/provider.sha256" 2>/dev/null)" != "$sha -$level" ]]; then
    say "xz -$level libonnxruntime_providers_cuda.so ($(du -m "$provider" | cut -f1) MB)"
    xz "-$level" -T0 -c "$provider" >"$work/provider.so.xz.tmp"
    mv "$work/provider.so.xz.tmp" "$work/provider.so.xz"
    echo "$sha -$level" >"$work/provider.sha256"
fi

# 3. Everything else of the publish folder.
say "xz -6 neq (self-contained, without the provider; -9 gains little on it and costs time)"
tar -C "$pub" --exclude=libonnxruntime_providers_cuda.so -cf - . | xz -6 -T0 >"$work/neq.tar.xz"

# 4. The CIFAR subset: the first TRAIN_IMAGES training and TEST_IMAGES test records, as they are in
#    the official files. The loader takes only the official layout (five training files and a test
#    file of 10,000 records each); stage.sh fills it on the device by repeating the records, so the
#    copies cost neither xz time here nor transfer (bench/gpu/README.md, "The CIFAR subset").
say "CIFAR subset: $train_images training images, $test_images test images"
rm -rf "$work/cifar"; mkdir -p "$work/cifar"
{ tar -xzOf "$cifar" cifar-10-batches-bin/data_batch_1.bin || true; } | head -c $(( train_images * 3073 )) >"$work/cifar/train.bin"
{ tar -xzOf "$cifar" cifar-10-batches-bin/test_batch.bin || true; } | head -c $(( test_images * 3073 )) >"$work/cifar/test.bin"
# head closes the pipe early (tar ends on SIGPIPE, ignored above); the sizes say whether it read enough.
[[ $(stat -c %s "$work/cifar/train.bin") == $(( train_images * 3073 )) && $(stat -c %s "$work/cifar/test.bin") == $(( test_images * 3073 )) ]] \
    || { echo "error: $cifar: data_batch_1.bin or test_batch.bin shorter than expected" >&2; exit 1; }
tar -C "$work/cifar" -cf - train.bin test.bin | xz -9 -T0 >"$work/cifar-subset.tar.xz"

# 5. One uncompressed tar of the three, split into parts.
rm -f "$parts"/part-* "$parts"/MANIFEST "$work/bundle.tar"
tar -C "$work" -cf "$work/bundle.tar" provider.so.xz neq.tar.xz cifar-subset.tar.xz
split -b "${part_mib}M" -d -a 2 "$work/bundle.tar" "$parts/part-"
{
    echo "# bench/gpu/pack.sh $(date -u +%FT%TZ), commit $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- src || echo ' (with uncommitted changes)')"
    echo "# subset: train_images=$train_images test_images=$test_images; provider sha256 $sha, xz -$level"
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
