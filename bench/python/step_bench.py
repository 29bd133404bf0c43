"""ResNet-32 training steps on a machine that has python instead of dotnet: our train.onnx graphs
(dense and specialised to masks, as `neq-bench --save-artifacts DIR --frozen ...` writes them) in
ONNX Runtime, and the same network, loss and SGD step in PyTorch (libtorch underneath, the peer of
bench/run.sh), interleaved round by round in one process pinned to the same cores.

    python bench/python/step_bench.py --graph dense=DIR/train.onnx \
        --graph special-95=DIR/train.special-95.onnx:DIR/masks.special-95.json [--threads 2] [--out r.json]

Each graph is fed the parameters and running statistics of DIR/infer.onnx, zero optimizer state,
its masks (all ones without a JSON), one random batch of 128; every step gets the same inputs, so
each step does the same work. Prints per configuration the median step time, images/s and the
ratios to PyTorch and to the first graph.
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper


class Block(nn.Module):
    """Basic block with the option-A shortcut (stride-2 subsampling, zero channels appended)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = x
        if self.stride != 1 or self.pad:
            short = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + short)


class ResNet32(nn.Module):
    def __init__(self, classes=10, n=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(n):
                layers.append(Block(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class TorchStep:
    name = "pytorch"

    def __init__(self, batch, seed):
        torch.manual_seed(seed)
        self.model = ResNet32().train()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(batch, 3, 32, 32, generator=g)
        self.y = torch.randint(0, 10, (batch,), generator=g)

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()


class OrtStep:
    def __init__(self, name, path, masks_path, threads, batch, seed):
        self.name = name
        folder = os.path.dirname(path)
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        init = {t.name: numpy_helper.to_array(t) for t in onnx.load(os.path.join(folder, "infer.onnx")).graph.initializer}
        masks = json.load(open(masks_path)) if masks_path else {}
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.enable_mem_pattern = False  # as Sessions.Options on the CPU
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        t0 = time.perf_counter()
        self.session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.session_s = time.perf_counter() - t0
        rng = np.random.default_rng(seed)
        zeros = {s["name"] for s in manifest["optimizerState"] if s["initial"] == "zeros"}
        mask_names = {m["name"] for m in manifest["masks"]}
        self.feeds = {}
        for i in self.session.get_inputs():
            n = i.name
            if n == manifest["dataInputs"][0]["name"]:
                v = rng.standard_normal((batch, 3, 32, 32), dtype=np.float32)
            elif n == manifest["labels"]["name"]:
                v = rng.integers(0, 10, batch).astype(np.int64)
            elif n == manifest["learningRate"]:
                v = np.array(0.1, np.float32)
            elif n in mask_names:
                v = np.array(masks[n], np.float32) if n in masks else np.ones([d for d in i.shape], np.float32)
            elif n in zeros:
                v = np.zeros(i.shape, np.float32)
            else:
                v = init[n]
            self.feeds[n] = v
        # A specialised graph holds its masks as initializers (still listed as inputs, so not among ONNX Runtime's).
        ones = {m["name"]: [1.0] * m["channels"] for m in manifest["masks"]}
        values = [np.asarray(masks.get(n, ones[n])) for n in mask_names]
        self.frozen = float(sum(np.sum(v == 0) for v in values) / sum(v.size for v in values))
        self.outputs = [o.name for o in self.session.get_outputs()]

    def step(self):
        self.session.run(self.outputs, self.feeds)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", action="append", required=True, help="NAME=train.onnx[:masks.json]")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=4, help="steps per configuration per round")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()

    cores = sorted(os.sched_getaffinity(0))[: a.threads]
    os.sched_setaffinity(0, cores)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)

    configs = [TorchStep(a.batch, a.seed)]
    for g in a.graph:
        name, spec = g.split("=", 1)
        path, _, masks = spec.partition(":")
        configs.append(OrtStep(name, path, masks or None, a.threads, a.batch, a.seed))
    for c in configs:
        for _ in range(a.warmup):
            c.step()
    times = {c.name: [] for c in configs}
    for r in range(a.rounds):
        order = configs[r % len(configs):] + configs[: r % len(configs)]
        for c in order:
            for _ in range(a.steps):
                t0 = time.perf_counter()
                c.step()
                times[c.name].append((time.perf_counter() - t0) * 1000)

    med = {k: statistics.median(v) for k, v in times.items()}
    base = configs[1].name if len(configs) > 1 else None
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"{cpu}; cores {cores}; threads {a.threads}; batch {a.batch}; torch {torch.__version__}; onnxruntime {ort.__version__}")
    print(f"{'config':<16} {'frozen':>7} {'step ms':>9} {'min':>8} {'img/s':>7} {'× pytorch img/s':>16} {'step × ' + str(base):>18}")
    rows = []
    for c in configs:
        m = med[c.name]
        row = {"config": c.name, "frozen": getattr(c, "frozen", 0.0), "step_ms_median": m, "step_ms_min": min(times[c.name]),
               "step_ms": times[c.name], "images_per_s": a.batch / m * 1000, "images_per_s_vs_pytorch": med["pytorch"] / m,
               "step_vs_first_graph": m / med[base] if base else None}
        rows.append(row)
        print(f"{c.name:<16} {row['frozen']:>7.1%} {m:>9.1f} {row['step_ms_min']:>8.1f} {row['images_per_s']:>7.1f} "
              f"{row['images_per_s_vs_pytorch']:>16.3f} {row['step_vs_first_graph'] if base else float('nan'):>18.3f}")
    if a.out:
        json.dump({"cpu": cpu, "cores": cores, "threads": a.threads, "batch": a.batch, "torch": torch.__version__,
                   "onnxruntime": ort.__version__, "rounds": a.rounds, "steps_per_round": a.steps, "results": rows},
                  open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
