using Neq.Onnx.Architectures;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Lowering;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>Which graph a session gets: lowered to the NCHWc kernels on a CPU that has them, standard otherwise.</summary>
public sealed class CpuKernelsTests
{
    static ArtifactCompilation Compiled() => TrainingArtifacts.Compile(CifarResNet.Build(new CifarResNetOptions(Depth: 8, Seed: 1)),
        new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9), Split: true));

    [Fact]
    public void Cuda_and_portable_sessions_get_the_standard_graphs_as_written()
    {
        var compiled = Compiled();
        Assert.Same(compiled.Artifacts.Train, CpuKernels.Train(compiled, "cuda", portable: false));
        Assert.Same(compiled.Artifacts.Train, CpuKernels.Train(compiled, "cpu", portable: true));
        Assert.Same(compiled.Artifacts.Grad, CpuKernels.Grad(compiled, portable: true));
        Assert.Same(compiled.Artifacts.Eval, CpuKernels.For(compiled.Artifacts.Eval, "cpu", portable: true));
        Assert.Equal("standard ONNX", CpuKernels.Describe("cuda", portable: false));
        Assert.Equal("standard ONNX (--portable)", CpuKernels.Describe("cpu", portable: true));
    }

    [Lowering.NchwcFact]
    public void A_cpu_with_nchwc_kernels_gets_every_conv_of_train_grad_and_eval_lowered()
    {
        var compiled = Compiled();
        int convs = compiled.Artifacts.Infer.Graph.Node.Count(n => n.OpType == "Conv");
        // train and grad: the forward convs and, beyond them, gradient convs (stride-1 input gradients,
        // stride-2 weight gradients).
        Assert.True(NchwcLowering.CountLowered(CpuKernels.Train(compiled, "cpu", portable: false)) > convs);
        Assert.True(NchwcLowering.CountLowered(CpuKernels.Grad(compiled, portable: false)) > convs);
        Assert.Equal(convs, NchwcLowering.CountLowered(CpuKernels.For(compiled.Artifacts.Eval, "cpu", portable: false)));
        Assert.Equal($"NCHWc (block {CpuKernels.NchwcBlockSize})", CpuKernels.Describe("cpu", portable: false));
        // The artifacts themselves stay standard ONNX.
        Assert.Equal(0, NchwcLowering.CountLowered(compiled.Artifacts.Train));
    }
}
