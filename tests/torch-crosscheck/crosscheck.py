"""Cross-checks Neq.Onnx's generated training graphs against PyTorch autograd.

Needs python with torch, onnx, onnxruntime and numpy (not part of the .NET test suite: CI machines
have no torch). Usage:

    graph-builder artifacts models/resnet32-cifar10.onnx --optimizer sgd --momentum 0.9 \
        --weight-decay 5e-4 --split -o xc/sgd
    graph-builder artifacts models/resnet32-cifar10.onnx --optimizer adam --weight-decay 5e-4 -o xc/adam
    python3 tests/torch-crosscheck/crosscheck.py xc/sgd xc/adam
    python3 tests/torch-crosscheck/crosscheck.py torch:smallnet=xc/smallnet   (a model of torch_models.py,
        exported with `torch_models.py export`, artifacts built from that export)

The reference is torch in float64: for a folder alone, the forward model (infer.onnx) run by a small
ONNX interpreter written with torch operations; for torch:NAME=folder, the PyTorch module itself
(torch_models.build(NAME)) with the artifacts' initial values loaded by parameter name. Torch
autograd, torch.optim.SGD/Adam and torch's training-mode batch norm give the reference values; the
artifacts run in ONNX Runtime (float32) as the trainer runs them. The same torch computation in
float32 is the yardstick: float32 rounding alone moves it that far from float64. Printed:
relative errors ||ours - torch|| / ||torch|| per tensor (worst ones named) for
  1. grad.onnx gradients, loss and running statistics after one training-mode forward,
  2. the same with random 50 % masks (frozen rows must be exactly 0, the rest as torch),
  3. eval.onnx's prediction and every exported activation (inference-mode BN),
  4. three train.onnx SGD steps (momentum, weight decay) against torch.optim.SGD,
  5. three train.onnx Adam steps (L2 weight decay) against torch.optim.Adam.
A tensor passes when its error is below TOL or at most YARDSTICK times torch float32's own error.
Exit status 1 when any tensor fails.
"""
import json
import os
import sys
import traceback

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from onnx import numpy_helper

torch.set_default_dtype(torch.float64)
TOL = 1e-3          # relative, per tensor (float32 accumulation over ~30 layers)
YARDSTICK = 10      # or within this many times torch-float32's own distance from float64
VERBOSE = os.environ.get("CROSSCHECK_VERBOSE") == "1"   # every tensor, in graph order
ATOL = 1e-7         # per element: the floor of a norm (gradients that are 0 in exact arithmetic,
                    # e.g. a conv bias followed by batch norm)
BATCH = 32
failures = []


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class TorchInterpreter:
    """Runs an inference ONNX graph with torch ops; BatchNormalization in training or eval mode."""

    def __init__(self, model):
        self.graph = model.graph
        self.inits = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}

    def run(self, feeds, params, stats, training, relu_masks=None):
        dtype = next(iter(params.values())).dtype
        env = {k: torch.from_numpy(np.array(v)).to(dtype) if np.issubdtype(v.dtype, np.floating)
               else torch.from_numpy(np.array(v)) for k, v in self.inits.items()}
        env.update(params)
        env.update(feeds)
        by_node = {}
        for n in self.graph.node:
            i = [env[x] if x else None for x in n.input]
            a = attrs(n)
            op = n.op_type
            if op == "Conv":
                x, w = i[0], i[1]
                b = i[2] if len(i) > 2 else None
                k = len(w.shape) - 2
                pads = list(a.get("pads", [0] * 2 * k))
                if pads[:k] != pads[k:]:
                    tp = []
                    for d in reversed(range(k)):
                        tp += [pads[d], pads[d + k]]
                    x = F.pad(x, tp)
                    pad = 0
                else:
                    pad = tuple(pads[:k])
                y = F.conv2d(x, w, b, stride=tuple(a.get("strides", [1] * k)), padding=pad,
                             dilation=tuple(a.get("dilations", [1] * k)), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                x, scale, bias, mean_name, var_name = i[0], i[1], i[2], n.input[3], n.input[4]
                rm, rv = stats[mean_name], stats[var_name]
                y = F.batch_norm(x, rm, rv, scale, bias, training=training,
                                 momentum=1.0 - a.get("momentum", 0.9), eps=a.get("epsilon", 1e-5))
            elif op == "Relu":
                if relu_masks is not None and n.output[0] in relu_masks:
                    # ONNX Runtime's decision at the kink (see check_gradients)
                    y = i[0] * torch.from_numpy(relu_masks[n.output[0]]).to(i[0].dtype)
                else:
                    y = torch.relu(i[0])
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "Flatten":
                ax = a.get("axis", 1)
                y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
            elif op == "Gemm":
                A, B = i[0], i[1]
                if a.get("transA", 0):
                    A = A.t()
                if a.get("transB", 0):
                    B = B.t()
                y = a.get("alpha", 1.0) * (A @ B)
                if len(i) > 2 and i[2] is not None:
                    y = y + a.get("beta", 1.0) * i[2]
            elif op == "GlobalAveragePool":
                y = i[0].mean(dim=tuple(range(2, i[0].dim())), keepdim=True)
            elif op == "Pad":
                assert a.get("mode", b"constant") in (b"constant", "constant"), n.name
                pads = [int(p) for p in i[1].tolist()]
                r = i[0].dim()
                value = float(i[2]) if len(i) > 2 and i[2] is not None else 0.0
                tp = []
                for d in reversed(range(r)):
                    tp += [pads[d], pads[d + r]]
                y = F.pad(i[0], tp, value=value)
            elif op == "Slice":
                x = i[0]
                starts, ends = i[1].tolist(), i[2].tolist()
                axes = i[3].tolist() if len(i) > 3 and i[3] is not None else list(range(len(starts)))
                steps = i[4].tolist() if len(i) > 4 and i[4] is not None else [1] * len(starts)
                idx = [slice(None)] * x.dim()
                for s, e, ax, st in zip(starts, ends, axes, steps):
                    ax = ax % x.dim()
                    size = x.shape[ax]
                    assert st > 0, n.name
                    s = max(0, min(size, s + size if s < 0 else s))
                    e = max(0, min(size, e + size if e < 0 else e))
                    idx[ax] = slice(s, e, st)
                y = x[tuple(idx)]
            elif op == "Constant":
                y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            elif op == "Identity":
                y = i[0]
            elif op == "Reshape":
                y = i[0].reshape([int(d) if d != 0 else i[0].shape[k] for k, d in enumerate(i[1].tolist())])
            else:
                raise NotImplementedError(f"interpreter: op {op} (node {n.name})")
            env[n.output[0]] = y
            by_node[n.name] = y
        return env[self.graph.output[0].name], by_node


def rel(ours, ref, scale=None):
    """||ours − ref|| / ||ref||, the norm floored at ATOL per element or, for a running mean
    (scale: the running variance), at 1e-4 of the channels' standard deviation: a batch mean that
    cancels to ~0 is known only to float32 rounding of its terms."""
    ours = np.asarray(ours, np.float64)
    ref = np.asarray(ref, np.float64)
    floor = ATOL * np.sqrt(ref.size) if scale is None else 1e-4 * np.linalg.norm(np.sqrt(np.abs(scale)))
    return float(np.linalg.norm(ours - ref) / max(np.linalg.norm(ref), floor))


def scale_of(art, stat, values):
    """The running variance that goes with running mean `stat` (None for anything else)."""
    var = art.running_var_of.get(stat)
    return None if var is None else values[var]


def report(title, rows):
    """rows: (name, ours vs float64, torch float32 vs float64)."""
    bad = [r for r in rows if r[1] > TOL and r[1] > YARDSTICK * r[2]]
    worst = sorted(rows, key=lambda r: -r[1])
    print(f"\n== {title}: {len(rows)} tensors; ours vs torch-f64: max {worst[0][1]:.2e}, median "
          f"{np.median([r[1] for r in rows]):.2e}; torch-f32 vs torch-f64: max {max(r[2] for r in rows):.2e}, "
          f"median {np.median([r[2] for r in rows]):.2e} -> {'OK' if not bad else f'FAIL ({len(bad)})'}")
    for name, e, y in (rows if VERBOSE else (bad or worst)[:4]):
        print(f"   {e:.2e} (torch f32 {y:.2e})  {name}")
    if bad:
        failures.append(title)


class InterpreterReference:
    """infer.onnx run by TorchInterpreter; activations by node name."""

    def __init__(self, art):
        self.interp = TorchInterpreter(art.infer)

    def forward(self, x, params, stats, training, relu_masks=None):
        return self.interp.run({"input": x}, params, stats, training, relu_masks)


class ModuleReference:
    """
    A torch_models module; parameters and running statistics substituted by name. Kink decisions
    (KinkRecorder) are applied to its nn.ReLU/nn.ReLU6 modules in call order when they pair
    one to one with the ONNX graph's Relu/Clip nodes; a model whose activations are functional
    calls is compared without them.
    """

    def __init__(self, name):
        import torch_models
        self.model = torch_models.build(name)
        self.masks = None
        self.calls = 0
        acts = [m for m in self.model.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.ReLU6))]
        for m in acts:
            m.inplace = False
            m.register_forward_hook(self._hook)
        self.activations = len(acts)

    def _hook(self, module, inputs, output):
        if self.masks is None:
            return output
        mask = torch.from_numpy(self.masks[self.calls]).to(output.dtype)
        self.calls += 1
        return inputs[0] * mask + (output * (1 - mask)).detach()

    def forward(self, x, params, stats, training, relu_masks=None):
        self.model.train(training)
        for mod in self.model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.eval()  # the ONNX graph's Dropout is inference-mode
        paired = relu_masks is not None and len(relu_masks) == self.activations
        self.masks = list(relu_masks.values()) if paired else None
        self.calls = 0
        state = dict(params)
        state.update(stats)
        model = self.model.to(x.dtype)
        y = torch.func.functional_call(model, state, (x,))
        self.masks = None
        return y, {}


class Artifacts:
    def __init__(self, folder):
        self.folder = folder
        self.m = json.load(open(os.path.join(folder, "manifest.json")))
        self.infer = onnx.load(os.path.join(folder, "infer.onnx"))
        self.inits = {t.name: numpy_helper.to_array(t) for t in self.infer.graph.initializer}
        self.params = [p["name"] for p in self.m["parameters"]]
        self.stats = [s["name"] for s in self.m["runningStatistics"]]
        # BatchNormalization inputs 3 and 4: each running mean's variance
        self.running_var_of = {n.input[3]: n.input[4] for n in self.infer.graph.node
                               if n.op_type == "BatchNormalization" and n.input[3] in self.stats}
        self.data = self.m["dataInputs"][0]["name"]
        self.opts = ort.SessionOptions()
        self.opts.log_severity_level = 3

    def session(self, role):
        g = next(g for g in self.m["graphs"] if g["role"] == role)
        sess = ort.InferenceSession(os.path.join(self.folder, g["file"]), self.opts, providers=["CPUExecutionProvider"])
        # Inputs with a default (the masks) are listed apart by ONNX Runtime.
        names = {i.name for i in sess.get_inputs()} | {i.name for i in sess.get_overridable_initializers()}
        return sess, names

    def torch_params(self, dtype):
        return {n: torch.tensor(self.inits[n], dtype=dtype, requires_grad=True) for n in self.params}

    def torch_stats(self, dtype):
        return {n: torch.tensor(self.inits[n], dtype=dtype) for n in self.stats}


def batch(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    return x, y


def torch_gradients(art, ref, x, y, dtype, relu_masks=None):
    params, stats = art.torch_params(dtype), art.torch_stats(dtype)
    extra = {} if relu_masks is None else {"relu_masks": relu_masks}
    logits, _ = ref.forward(torch.from_numpy(x).to(dtype), params, stats, training=True, **extra)
    loss = F.cross_entropy(logits, torch.from_numpy(y))
    loss.backward()
    return loss.item(), {n: p.grad.numpy().astype(np.float64) for n, p in params.items()}, \
        {n: s.numpy().astype(np.float64) for n, s in stats.items()}


class KinkRecorder:
    """
    Which elements each Relu and Clip of a graph passed unclipped, from ONNX Runtime's own
    forward, by output name in graph order. A deep ReLU network's gradient is discontinuous at
    the kinks: where a pre-activation lies within float32 rounding of 0, two float32
    implementations may take different sides, and the whole gradient upstream differs by ~1e-3
    (torch float32 does this against float64 too). The reference therefore takes ONNX Runtime's
    side at every kink, so that what is compared is the derivative, not the rounding.
    """

    def __init__(self, art, role):
        g = next(g for g in art.m["graphs"] if g["role"] == role)
        model = onnx.load(os.path.join(art.folder, g["file"]))
        self.forward = [n for n in art.infer.graph.node if n.op_type in ("Relu", "Clip")]
        self.names = [n.output[0] for n in self.forward]
        produced = {o for n in model.graph.node for o in n.output}
        assert all(n in produced for n in self.names), "activation outputs of infer.onnx missing in " + g["file"]
        for r in self.names:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(r))
        self.session = ort.InferenceSession(model.SerializeToString(), art.opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()} | {i.name for i in self.session.get_overridable_initializers()}
        consts = dict(art.inits)
        for n in art.infer.graph.node:
            if n.op_type == "Constant":
                consts[n.output[0]] = numpy_helper.to_array(attrs(n)["value"])
        self.consts = consts

    def bound(self, n, k, default):
        if n.op_type == "Relu":
            return 0.0 if k == 1 else np.inf
        if len(n.input) > k and n.input[k]:
            return float(self.consts[n.input[k]])
        return float(attrs(n).get("min" if k == 1 else "max", default))  # Clip before opset 11

    def run(self, output_names, feeds):
        """The graph's outputs output_names and the kink masks of this run."""
        outs = self.session.run(list(output_names) + self.names, {k: v for k, v in feeds.items() if k in self.inputs})
        acts = outs[len(output_names):]
        masks = {n.output[0]: ((o > self.bound(n, 1, -np.inf)) & (o < self.bound(n, 2, np.inf))).astype(np.float64)
                 for n, o in zip(self.forward, acts)}
        return outs[:len(output_names)], masks


def check_gradients(art, ref):
    sess, in_names = art.session("grad")
    names = [o.name for o in sess.get_outputs()]
    x, y = batch(1)
    feeds = {art.data: x, art.m["labels"]["name"]: y}
    feeds.update({n: art.inits[n] for n in art.params + art.stats})
    _, relu_masks = KinkRecorder(art, "grad").run([], feeds)
    loss64, g64, s64 = torch_gradients(art, ref, x, y, torch.float64, relu_masks)
    loss32, g32, s32 = torch_gradients(art, ref, x, y, torch.float32, relu_masks)
    gate = {p["parameter"]: (k["name"], p["axis"]) for k in art.m["masks"] for p in k["parameters"]}
    for masked in (False, True):
        rng = np.random.default_rng(7)
        masks = {}
        if masked:
            for k in art.m["masks"]:
                v = np.ones(k["channels"], np.float32)
                v[rng.permutation(k["channels"])[: k["channels"] // 2]] = 0
                masks[k["name"]] = v
            missing = [k for k in masks if k not in in_names]
            assert not missing, f"mask inputs missing from grad.onnx: {missing[:3]}"
        f = dict(feeds)
        f.update(masks)
        out = dict(zip(names, sess.run(names, f)))
        rows = [("loss", rel(out[art.m["lossOutput"]], loss64), rel(loss32, loss64))]
        exact_zero = True
        for p in art.m["parameters"]:
            r64, r32, ours = g64[p["name"]], g32[p["name"]], out[p["gradient"]]
            if masked and p["name"] in gate:
                mname, axis = gate[p["name"]]
                shape = [1] * r64.ndim
                shape[axis] = -1
                mk = masks[mname].reshape(shape).astype(np.float64)
                r64, r32 = r64 * mk, r32 * mk
                exact_zero &= bool(np.all(ours * (1 - mk) == 0))
            rows.append((p["gradient"], rel(ours, r64), rel(r32, r64)))
        if not masked:
            for s in art.m["runningStatistics"]:
                sc = scale_of(art, s["name"], s64)
                rows.append((s["output"], rel(out[s["output"]], s64[s["name"]], sc), rel(s32[s["name"]], s64[s["name"]], sc)))
        report(f"grad.onnx vs torch autograd{' (50% random masks)' if masked else ''}", rows)
        if masked:
            print(f"   frozen rows exactly 0: {exact_zero}")
            if not exact_zero:
                failures.append("masked rows not exactly zero")


def check_eval(art, ref):
    sess, in_names = art.session("eval")
    x, _ = batch(2)
    names = [o.name for o in sess.get_outputs()]
    feeds = {art.data: x}
    feeds.update({n: art.inits[n] for n in art.params + art.stats if n in in_names})
    out = dict(zip(names, sess.run(names, feeds)))
    res = {}
    for dtype in (torch.float64, torch.float32):
        with torch.no_grad():
            logits, by_node = ref.forward(torch.from_numpy(x).to(dtype), art.torch_params(dtype), art.torch_stats(dtype), training=False)
        res[dtype] = (logits.numpy().astype(np.float64), {k: v.numpy().astype(np.float64) for k, v in by_node.items()})
    (l64, n64), (l32, n32) = res[torch.float64], res[torch.float32]
    rows = [(art.m["prediction"], rel(out[art.m["prediction"]], l64), rel(l32, l64))]
    for a in art.m["activations"]:
        if a["layer"] in n64:
            rows.append((a["name"], rel(out[a["name"]], n64[a["layer"]]), rel(n32[a["layer"]], n64[a["layer"]])))
    report("eval.onnx prediction" + (" and activations" if len(rows) > 1 else "") + " vs torch (eval-mode BN)", rows)


def torch_steps(art, ref, kind, lr, batches, dtype, kinks):
    opt = art.m["optimizer"]
    params, stats = art.torch_params(dtype), art.torch_stats(dtype)
    plist = [params[n] for n in art.params]
    if kind == "sgd":
        topt = torch.optim.SGD(plist, lr=lr, momentum=opt["momentum"], nesterov=opt["nesterov"], weight_decay=opt["weightDecay"])
    else:
        topt = torch.optim.Adam(plist, lr=lr, betas=(opt["beta1"], opt["beta2"]), eps=opt["epsilon"], weight_decay=opt["weightDecay"])
    losses = []
    for (x, y), masks in zip(batches, kinks):
        topt.zero_grad()
        logits, _ = ref.forward(torch.from_numpy(x).to(dtype), params, stats, training=True, relu_masks=masks)
        loss = F.cross_entropy(logits, torch.from_numpy(y))
        loss.backward()
        topt.step()
        losses.append(loss.item())
    values = {n: v.detach().numpy().astype(np.float64) for n, v in list(params.items()) + list(stats.items())}
    return losses, values


def check_steps(art, ref, kind, lr, steps=3):
    sess, in_names = art.session("train")
    recorder = KinkRecorder(art, "train")
    m = art.m
    names = [o.name for o in sess.get_outputs()]
    dtypes = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64}
    in_types = {i.name: dtypes[i.type] for i in sess.get_inputs() if i.type in dtypes}
    cur = {n: art.inits[n] for n in art.params + art.stats}
    for s in m["optimizerState"]:
        cur[s["name"]] = (np.zeros(s["shape"], in_types.get(s["name"], np.float32)) if s["initial"] == "zeros"
                          else art.inits[s["name"]])
    out_of = {p["output"]: p["name"] for p in m["parameters"]}
    out_of.update({s["output"]: s["name"] for s in m["optimizerState"] + m["runningStatistics"]})
    batches = [batch(10 + k) for k in range(steps)]
    ours, kinks = [], []
    for x, y in batches:
        feeds = {art.data: x, m["labels"]["name"]: y, m["learningRate"]: np.array(lr, np.float32)}
        feeds.update({n: cur[n] for n in in_names if n in cur})
        values, masks = recorder.run(names, feeds)
        out = dict(zip(names, values))
        kinks.append(masks)
        for o, n in out_of.items():
            cur[n] = out[o]
        ours.append(float(out[m["lossOutput"]]))
    l64, v64 = torch_steps(art, ref, kind, lr, batches, torch.float64, kinks)
    l32, v32 = torch_steps(art, ref, kind, lr, batches, torch.float32, kinks)
    rows = [(f"loss step {k + 1}", rel(ours[k], l64[k]), rel(l32[k], l64[k])) for k in range(steps)]
    rows += [(n, rel(cur[n], v64[n], scale_of(art, n, v64)), rel(v32[n], v64[n], scale_of(art, n, v64))) for n in art.params + art.stats]
    report(f"{steps} train.onnx {kind} steps (lr {lr}) vs torch.optim.{'SGD' if kind == 'sgd' else 'Adam'}", rows)
    print("   losses ours / torch-f64 / torch-f32: " + ", ".join(f"{a:.6f}/{b:.6f}/{c:.6f}" for a, b, c in zip(ours, l64, l32)))


def main():
    print(f"torch {torch.__version__}, onnxruntime {ort.__version__}, onnx {onnx.__version__}, batch {BATCH}")
    for arg in sys.argv[1:]:
        if arg.startswith("torch:"):
            name, folder = arg[len("torch:"):].split("=", 1)
            art = Artifacts(folder)
            ref = ModuleReference(name)
            missing = [n for n in art.params + art.stats if n not in dict(ref.model.named_parameters()) and n not in dict(ref.model.named_buffers())]
            if missing:
                print(f"\n#### {arg}: artifact names not in the torch module: {missing[:5]}")
                failures.append(f"{arg}: names")
                continue
        else:
            folder = arg
            art = Artifacts(folder)
            ref = InterpreterReference(art)
        kind = art.m["optimizer"]["kind"]
        print(f"\n#### {arg}: {kind}, {len(art.params)} parameters, {len(art.m['masks'])} masks")
        checks = [lambda: check_steps(art, ref, kind, 0.01 if kind == "sgd" else 1e-3)]
        if any(g["role"] == "grad" for g in art.m["graphs"]):
            checks = [lambda: check_gradients(art, ref), lambda: check_eval(art, ref)] + checks
        for c in checks:
            try:
                c()
            except Exception:
                traceback.print_exc()
                failures.append(f"{arg}: exception")
    print("\nRESULT:", "all within tolerance" if not failures else "FAILED: " + "; ".join(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
