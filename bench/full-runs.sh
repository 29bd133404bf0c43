#!/usr/bin/env bash
# The four full CIFAR-10 runs of ResNet-32 for the README and docs: SGD and Adam, each with NEq
# and with --no-neq, 10 epochs with the learning rate divided by 10 at epochs 5 and 8 (the
# reference's 250-epoch schedule compressed). About an hour per run on 2 cores. Safe to stop and
# start again: a finished run (summary.md present) is skipped, an interrupted one resumes from its
# checkpoint with identical metrics. Any arguments go to every run (e.g. --threads 2).
#   CIFAR10=path/to/cifar-10-binary.tar.gz bench/full-runs.sh [--threads 2]   (default: ../shared/data/…)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Neq.Train -c Release -nologo -v quiet
neq=src/Neq.Train/bin/Release/net10.0/neq
data=${CIFAR10:-../shared/data/cifar-10-binary.tar.gz}
common=(--epochs 10 --milestones 5,8 --seed 1)
run() {
  local out=$1; shift
  if [[ -f $out/summary.md ]]; then echo "$out: done"; return; fi
  if [[ -f $out/checkpoint.onnx ]]; then "$neq" train --resume "$out"; return; fi
  "$neq" train --data "$data" "${common[@]}" "$@" --out "$out"
}
# NEq runs first: they answer "does Adam freeze faster than SGD"; the baselines give the accuracy cost.
run runs/full/sgd-neq     --optim sgd  --lr 0.1   "$@"
run runs/full/adam-neq    --optim adam --lr 0.001 "$@"
run runs/full/sgd-dense   --optim sgd  --lr 0.1   --no-neq "$@"
run runs/full/adam-dense  --optim adam --lr 0.001 --no-neq "$@"
