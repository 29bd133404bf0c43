#!/usr/bin/env bash
# One command for the training-step benchmark (see bench/README.md): builds bench/Neq.Bench in
# Release (its first restore fetches TorchSharp-cpu, about 1.2 GB) and runs it from the repository
# root, so results land in bench/results/. Any arguments go to neq-bench, e.g. --threads 2 --rounds 5.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Neq.Bench/Neq.Bench.csproj -c Release -nologo -v quiet
exec bench/Neq.Bench/bin/Release/net10.0/neq-bench "$@"
