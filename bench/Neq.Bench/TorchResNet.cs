using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Neq.Bench;

/// <summary>
/// The peer network in libtorch: CIFAR ResNet (He et al. 2016 §4.2) with option-A shortcuts, as
/// src/Neq.Onnx/Architectures/CifarResNet.cs builds it in ONNX — same modules, same parameter and
/// buffer names ("conv1.weight", "layer1.0.bn1.running_mean", "linear.weight", …), so the values of
/// infer.onnx load into it one to one.
/// </summary>
sealed class TorchResNet : Module<Tensor, Tensor>
{
    // Field names are the module names TorchSharp registers, matching the ONNX initializer names.
#pragma warning disable IDE1006 // PyTorch's names, on purpose
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Sequential layer1, layer2, layer3;
    readonly Linear linear;
#pragma warning restore IDE1006

    /// <summary>Depth 6·<paramref name="blocks"/> + 2 (5 blocks: ResNet-32).</summary>
    public TorchResNet(int blocks, int classes) : base("resnet_cifar")
    {
        conv1 = Conv2d(3, 16, 3, stride: 1, padding: 1, bias: false);
        bn1 = BatchNorm2d(16);
        int inPlanes = 16;
        Sequential Stage(int planes, int stride)
        {
            var list = new List<(string, Module<Tensor, Tensor>)>();
            for (int b = 0; b < blocks; b++)
            {
                list.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), new BasicBlock(inPlanes, planes, b == 0 ? stride : 1)));
                inPlanes = planes;
            }
            return Sequential(list);
        }
        layer1 = Stage(16, 1);
        layer2 = Stage(32, 2);
        layer3 = Stage(64, 2);
        linear = Linear(64, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        x = functional.relu(bn1.call(conv1.call(x)));
        x = layer3.call(layer2.call(layer1.call(x)));
        x = functional.adaptive_avg_pool2d(x, [1, 1]).flatten(1);
        return linear.call(x);
    }

    /// <summary>conv3×3-BN-ReLU-conv3×3-BN + shortcut, ReLU; option A: x[:, :, ::2, ::2] zero-padded by planes/4 channels on each side.</summary>
    sealed class BasicBlock : Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        readonly Conv2d conv1, conv2;
        readonly BatchNorm2d bn1, bn2;
#pragma warning restore IDE1006
        readonly long _pad;
        readonly bool _downsample;

        public BasicBlock(int inPlanes, int planes, int stride) : base("basic_block")
        {
            conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(planes);
            conv2 = Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            _downsample = stride != 1 || inPlanes != planes;
            _pad = planes / 4;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = functional.relu(bn1.call(conv1.call(x)));
            h = bn2.call(conv2.call(h));
            var shortcut = _downsample
                ? functional.pad(x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)],
                    [0, 0, 0, 0, _pad, _pad], PaddingModes.Constant, 0)
                : x;
            return functional.relu(h + shortcut);
        }
    }
}
