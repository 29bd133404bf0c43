#!/usr/bin/env bash
# Runs on the GPU machine after bench/gpu/stage.sh has staged everything (bench/gpu/README.md):
#   env     nvidia-smi, the python environment's CUDA libraries on LD_LIBRARY_PATH, the provider's ldd
#   steps   neq bench-step on CPU and CUDA, a few steps from the same values: losses agree (report.py steps)
#   train   neq train ResNet-32 with NEq on the carried subset, CUDA and CPU side by side (report.py curves),
#           GPU memory of the neq process sampled while it trains (the state lives there)
#   timing  neq bench-step on CUDA (general graph, specialised at 50 % and 95 % frozen) and
#           bench/gpu/torch_step.py, alone on the machine (report.py timing)
# Usage: OUT=… bash bench/gpu/device-run.sh [env] [steps] [train] [timing]   (none named: all four)
# Environment: EPOCHS (5), TRAIN_SIZE (10000), TEST_SIZE (2000), STEPS (50), CPU_THREADS (cores − 2),
# STAGE (bench/gpu/stage). Logs and JSON go to $OUT; the exit status is 1 when any phase failed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
stage=${STAGE:-$repo/bench/gpu/stage}
out=${OUT:?set OUT to the folder for logs and results}
epochs=${EPOCHS:-5}
train_size=${TRAIN_SIZE:-10000}
test_size=${TEST_SIZE:-2000}
steps=${STEPS:-50}
cpu_threads=${CPU_THREADS:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}
neq="$stage/neq/neq"
data="$stage/cifar"
phases=("$@"); (( ${#phases[@]} )) || phases=(env steps train timing)
mkdir -p "$out"
failed=()
say() { printf '[device-run %s] %s\n' "$(date -u +%T)" "$*" | tee -a "$out/device-run.log"; }
phase_failed() { say "FAILED: $1"; failed+=("$1"); }

[[ -x "$neq" && -d "$data" ]] || { echo "error: $neq or $data missing: run bench/gpu/stage.sh until it says 'staged'" >&2; exit 1; }

# The CUDA libraries, for every phase (the provider loads them when a CUDA session starts).
# shellcheck source=bench/gpu/cuda-env.sh
if source "$repo/bench/gpu/cuda-env.sh"; then say "CUDA library folders: $(paste -sd' ' <<<"$CUDA_LIB_DIRS")"
else say "no CUDA libraries from python: --device cuda will fail"; fi

# Samples the GPU's memory and the compute processes while a command runs.
sample_gpu() {
    local file=$1; shift
    (while true; do
        printf '%s ' "$(date -u +%T.%N | cut -c1-12)"
        nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader 2>/dev/null | paste -sd';' -
        sleep 1
    done) >"$file" 2>&1 &
    local sampler=$!
    "$@"; local rc=$?
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    return $rc
}

for phase in "${phases[@]}"; do
    case $phase in
    env)
        say "phase env"
        { nvidia-smi || echo "nvidia-smi failed"; } >"$out/nvidia-smi.txt" 2>&1
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >>"$out/nvidia-smi.txt" 2>&1
        { echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"; uname -a; nproc; free -g
          python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1
          # What the provider NEEDs (readelf -d) and cuDNN, which it loads at run time.
          for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
              found=$(while read -r d; do [[ -n "$d" && -e "$d/$lib" ]] && echo "$d/$lib"; done <<<"${CUDA_LIB_DIRS:-}" | head -1)
              echo "$lib: ${found:-MISSING}"
          done
          echo "--- ldd libonnxruntime_providers_cuda.so"; ldd "$stage/neq/libonnxruntime_providers_cuda.so"
        } >"$out/env.txt" 2>&1
        cat "$out/nvidia-smi.txt" "$out/env.txt" | tee -a "$out/device-run.log" >/dev/null
        if grep -q MISSING "$out/env.txt" || grep -q "not found" "$out/env.txt"; then
            grep -E "MISSING|not found" "$out/env.txt" | tee -a "$out/device-run.log"; phase_failed env
        fi
        ;;
    steps)
        say "phase steps: neq bench-step, 3 steps from the same values on cpu and cuda"
        for dev in cpu cuda; do
            "$neq" bench-step --device "$dev" --warmup 0 --steps 3 --frozen 0.5 --threads "$cpu_threads" \
                --json "$out/steps-$dev.json" >"$out/steps-$dev.log" 2>&1 || { cat "$out/steps-$dev.log" >>"$out/device-run.log"; phase_failed "steps ($dev)"; }
        done
        [[ -f "$out/steps-cpu.json" && -f "$out/steps-cuda.json" ]] && {
            python3 "$repo/bench/gpu/report.py" steps "$out/steps-cpu.json" "$out/steps-cuda.json" --json "$out/steps-report.json" 2>&1 \
                | tee -a "$out/device-run.log"; (( PIPESTATUS[0] == 0 )) || phase_failed "steps (losses differ)"; }
        ;;
    train)
        say "phase train: ResNet-32 NEq, $epochs epochs, $train_size/$test_size images, cuda and cpu ($cpu_threads threads) side by side"
        common=(train --arch resnet32-cifar --data "$data" --epochs "$epochs" --train-size "$train_size" --test-size "$test_size"
                --batch-size 128 --seed 0)
        sample_gpu "$out/train-cuda-gpu-memory.txt" "$neq" "${common[@]}" --device cuda --out "$out/train-cuda" >"$out/train-cuda.log" 2>&1 &
        gpu_pid=$!
        "$neq" "${common[@]}" --device cpu --threads "$cpu_threads" --out "$out/train-cpu" >"$out/train-cpu.log" 2>&1 &
        cpu_pid=$!
        wait "$gpu_pid" || phase_failed "train (cuda)"
        wait "$cpu_pid" || phase_failed "train (cpu)"
        tail -3 "$out/train-cuda.log" "$out/train-cpu.log" >>"$out/device-run.log"
        grep -c MiB "$out/train-cuda-gpu-memory.txt" >/dev/null || say "no GPU process seen while training on cuda"
        python3 "$repo/bench/gpu/report.py" curves "$out/train-cpu" "$out/train-cuda" --check --json "$out/train-report.json" 2>&1 \
            | tee -a "$out/device-run.log"; (( PIPESTATUS[0] == 0 )) || phase_failed "train (curves)"
        # Checkpoints are large; the metrics, plots and summaries are what is kept.
        rm -f "$out"/train-*/checkpoint.onnx* "$out"/train-*/infer.onnx; rm -rf "$out"/train-*/artifacts
        ;;
    timing)
        say "phase timing: neq bench-step and PyTorch, ResNet-32, batch 128, $steps steps each"
        "$neq" bench-step --device cuda --steps "$steps" --frozen 0.5,0.95 --json "$out/timing-neq.json" 2>&1 \
            | tee "$out/timing-neq.log" | tee -a "$out/device-run.log"; (( PIPESTATUS[0] == 0 )) || phase_failed "timing (neq)"
        python3 "$repo/bench/gpu/torch_step.py" --steps "$steps" --json "$out/timing-torch.json" 2>&1 \
            | tee "$out/timing-torch.log" | tee -a "$out/device-run.log"; (( PIPESTATUS[0] == 0 )) || phase_failed "timing (pytorch)"
        [[ -f "$out/timing-neq.json" && -f "$out/timing-torch.json" ]] && \
            python3 "$repo/bench/gpu/report.py" timing "$out/timing-neq.json" "$out/timing-torch.json" --json "$out/timing-report.json" 2>&1 \
                | tee -a "$out/device-run.log"
        ;;
    *) echo "error: unknown phase '$phase' (env, steps, train, timing)" >&2; exit 2 ;;
    esac
done

if (( ${#failed[@]} )); then say "failed: ${failed[*]}"; exit 1; fi
say "all phases passed: ${phases[*]}"
