"""PyTorch's side of the GPU step timing: the ResNet-32 of bench/python/step_bench.py (same modules,
same initial values: torch.manual_seed(seed)), cross-entropy, SGD (lr 0.1, momentum 0.9, weight decay
5e-4), batch 128, fp32, on CUDA. Times the variants its fastest settings come from — cudnn.benchmark
off/on, NCHW / channels-last, TF32 on (PyTorch's default for convolutions; ONNX Runtime's CUDA
provider also defaults to use_tf32=1) and off (strict fp32) — with the
batch uploaded from the host every step, as neq's step binds a host batch, and with it resident.
Each step ends with torch.cuda.synchronize() and reads the loss back, as neq's step returns it.

    python bench/gpu/torch_step.py [--steps 50] [--warmup 10] [--json out.json]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from step_bench import ResNet32  # noqa: E402  (the CPU bench's network)


def run(tf32, benchmark, channels_last, host_batch, batch, steps, warmup, seed):
    torch.backends.cudnn.benchmark = benchmark
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(seed)
    model = ResNet32().train().cuda()
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    g = torch.Generator().manual_seed(seed)
    x_host = torch.randn(batch, 3, 32, 32, generator=g).pin_memory()
    y_host = torch.randint(0, 10, (batch,), generator=g).pin_memory()
    x_dev, y_dev = x_host.cuda().to(memory_format=fmt), y_host.cuda()
    times, first, last = [], None, None
    for i in range(warmup + steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        x = x_host.cuda(non_blocking=True).to(memory_format=fmt) if host_batch else x_dev
        y = y_host.cuda(non_blocking=True) if host_batch else y_dev
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        value = loss.item()  # synchronises, as neq's step reads its loss on the host
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) * 1e3
        if i == 0:
            first = value
        last = value
        if i >= warmup:
            times.append(ms)
    median = statistics.median(times)
    return {"config": f"pytorch{'-tf32' if tf32 else '-fp32'}{'-benchmark' if benchmark else ''}{'-channels-last' if channels_last else ''}{'-host-batch' if host_batch else '-resident-batch'}",
            "tf32": tf32, "cudnnBenchmark": benchmark, "channelsLast": channels_last, "hostBatch": host_batch,
            "medianMs": median, "meanMs": statistics.mean(times), "minMs": min(times),
            "imagesPerSecond": batch * 1e3 / median, "firstLoss": first, "lastLoss": last}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("error: torch.cuda.is_available() is False: no GPU for PyTorch")
    results = []
    for tf32 in (True, False):
        for benchmark in (False, True):
            for channels_last in (False, True):
                for host_batch in (True, False):
                    r = run(tf32, benchmark, channels_last, host_batch, a.batch_size, a.steps, a.warmup, a.seed)
                    results.append(r)
                    print(f"cuda {r['config']:<49} median {r['medianMs']:8.3f} ms  mean {r['meanMs']:8.3f}  min {r['minMs']:8.3f}  "
                          f"{r['imagesPerSecond']:8.0f} img/s  loss {r['firstLoss']:.4f} -> {r['lastLoss']:.4f}", flush=True)
    best = {}
    for tf32 in (True, False):
        b = min((r for r in results if r["hostBatch"] and r["tf32"] == tf32), key=lambda r: r["medianMs"])
        best["tf32" if tf32 else "fp32"] = b["config"]
        print(f"fastest ({'tf32' if tf32 else 'fp32'}) with a host batch per step: {b['config']} ({b['imagesPerSecond']:.0f} img/s)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
                       "device": torch.cuda.get_device_name(0), "batch": a.batch_size, "steps": a.steps,
                       "warmup": a.warmup, "seed": a.seed, "results": results, "fastestHostBatch": best}, f, indent=2)


if __name__ == "__main__":
    main()
