"""Models exported from PyTorch for the cross-check: how they are built (seeded) and exported.

`python3 torch_models.py export OUT` writes OUT/<name>.onnx for every model below, exported by
torch.onnx's TorchScript exporter (opset 17, batch norm kept: TrainingMode.PRESERVE on an eval-mode
model, no constant folding) and, for `smallnet`, also by the dynamo exporter (`smallnet-dynamo`).
crosscheck_exported.py rebuilds the same models from the same seeds to compare gradients.
"""
import sys

import torch
import torch.nn as nn
import torchvision


class SmallNet(nn.Module):
    """A CNN with the layer kinds exporters emit: BN, ReLU6, depthwise, SE, pools, residual, MLP head."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32))
        self.short = nn.Conv2d(16, 32, 1, bias=True)
        self.se_reduce = nn.Conv2d(32, 8, 1)
        self.se_expand = nn.Conv2d(8, 32, 1)
        self.down = nn.Sequential(nn.Conv2d(32, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.SiLU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, classes))

    def forward(self, x):
        x = self.pool(self.stem(x))
        y = self.pw(self.dw(x)) + self.short(x)
        s = torch.sigmoid(self.se_expand(nn.functional.silu(self.se_reduce(y.mean((2, 3), keepdim=True)))))
        y = torch.relu(y * s)
        y = nn.functional.avg_pool2d(self.down(y), 2)
        return self.head(y)


MODELS = {
    "smallnet": lambda: SmallNet(),
    "mobilenetv2": lambda: torchvision.models.mobilenet_v2(num_classes=10, width_mult=0.5),
    "squeezenet": lambda: torchvision.models.squeezenet1_1(num_classes=10),
}


def build(name):
    """The model `name` with its seeded initial values."""
    base = name.split("-")[0]
    torch.manual_seed(1234)
    return MODELS[base]()


def export(out):
    import os
    os.makedirs(out, exist_ok=True)
    x = torch.randn(2, 3, 32, 32)
    for name in list(MODELS) + ["smallnet-dynamo"]:
        model = build(name).eval()
        path = os.path.join(out, f"{name}.onnx")
        try:
            if name.endswith("-dynamo"):
                torch.onnx.export(model, (x,), path, dynamo=True, input_names=["input"], output_names=["logits"],
                                  dynamic_shapes={"x": {0: torch.export.Dim("batch")}}, external_data=False)
            else:
                torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17, input_names=["input"],
                                  output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                                  training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
            print(f"exported {path} ({os.path.getsize(path)} bytes)")
        except Exception as e:  # report and go on: one exporter's failure must not hide the others
            print(f"export {name} failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        sys.exit("usage: torch_models.py export OUT")
