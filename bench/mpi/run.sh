#!/usr/bin/env bash
# Data-parallel step figures for docs/distributed.md: ResNet-32, global batch 128, on this host —
#   1 process × T threads (the fused train.onnx, what neq train runs without mpirun, and the split step at K = 1)
#   mpirun -np K × 1 thread each (grad.onnx → allreduce → update.onnx)
# Each line reports images/s, the reduce phase per step and its share, and the bytes one allreduce moves.
# Usage: bench/mpi/run.sh [K=2] [STEPS=5] [WARMUP=2]   (NEQ=path/to/neq, default the Release build)
# The machine's load average is printed with every line: on a shared machine the figures move with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
K=${1:-2}; STEPS=${2:-5}; WARMUP=${3:-2}
NEQ=${NEQ:-src/Neq.Train/bin/Release/net10.0/neq}
[[ -x "$NEQ" ]] || dotnet build src/Neq.Train -c Release -v q
OUT=${OUT:-bench/mpi/results}
mkdir -p "$OUT"
common=(--depth 32 --batch-size 128 --steps "$STEPS" --warmup "$WARMUP")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
"$NEQ" bench-step --device cpu --threads "$K" --frozen "" "${common[@]}" --json "$OUT/fused-1x$K.json"
"$NEQ" bench-step --data-parallel --threads "$K" "${common[@]}" --json "$OUT/split-1x$K.json"
mpirun --allow-run-as-root --oversubscribe -np "$K" "$NEQ" bench-step --data-parallel --threads 1 "${common[@]}" --json "$OUT/mpi-${K}x1.json"
