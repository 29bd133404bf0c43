using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Lowering;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Training;

/// <summary>
/// The graph a session runs: on the CPU of an x64 machine whose ONNX Runtime has the NCHWc
/// kernels, the artifact lowered to them (<see cref="NchwcLowering"/>); on CUDA, other
/// machines, or with <c>--portable</c>, the standard-ONNX artifact as written. Artifacts on disk
/// stay standard ONNX either way: the lowering is made for the machine at session time.
/// </summary>
public static class CpuKernels
{
    static readonly Lazy<int> Block = new(Probe);

    /// <summary>
    /// The NCHWc block size of this machine's ONNX Runtime (16 with AVX-512, 8 with AVX2), read
    /// from a one-node ReorderInput run; 0 where the kernels are not registered (non-x64 builds,
    /// or MLAS without a blocked kernel).
    /// </summary>
    public static int NchwcBlockSize => Block.Value;

    /// <summary>
    /// <paramref name="model"/> as a session on <paramref name="device"/> should run it: lowered to
    /// the NCHWc kernels on a CPU that has them unless <paramref name="portable"/>, else unchanged.
    /// </summary>
    public static ModelProto For(ModelProto model, string device, bool portable) =>
        Lowers(device, portable) ? NchwcLowering.Lower(model, NchwcBlockSize) : model;

    /// <summary>
    /// train.onnx as a session on <paramref name="device"/> should run it — general when
    /// <paramref name="masksByLayer"/> is null, else specialised to those masks: with its convs lowered
    /// to the NCHWc kernels (<see cref="ArtifactCompilation.NchwcTrain"/>; weight gradients keep the
    /// split-shift form, measured faster than as lowered convs, docs/speed.md) on a CPU that has them
    /// unless <paramref name="portable"/>, else the standard-ONNX graph.
    /// </summary>
    public static ModelProto Train(ArtifactCompilation compiled, string device, bool portable, IReadOnlyList<float[]>? masksByLayer = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (Lowers(device, portable)) return compiled.NchwcTrain(NchwcBlockSize, masksByLayer);
        return masksByLayer is null ? compiled.Artifacts.Train : compiled.SpecializedTrain(masksByLayer);
    }

    /// <summary>grad.onnx as a CPU session should run it, as <see cref="Train"/> is train.onnx.</summary>
    public static ModelProto Grad(ArtifactCompilation compiled, bool portable, IReadOnlyList<float[]>? masksByLayer = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (Lowers("cpu", portable)) return compiled.NchwcGrad(NchwcBlockSize, masksByLayer);
        return masksByLayer is null
            ? compiled.Artifacts.Grad ?? throw new InvalidOperationException("The artifacts have no grad.onnx (built without Split).")
            : compiled.SpecializedGrad(masksByLayer);
    }

    static bool Lowers(string device, bool portable) => device == "cpu" && !portable && NchwcBlockSize > 1;

    /// <summary>Which kernels <see cref="For"/> picks, in words, for run records and the console.</summary>
    public static string Describe(string device, bool portable) =>
        device != "cpu" ? "standard ONNX"
        : portable ? "standard ONNX (--portable)"
        : NchwcBlockSize > 1 ? $"NCHWc (block {NchwcBlockSize})"
        : "standard ONNX (no NCHWc kernels on this machine)";

    static int Probe()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) return 0;
        var b = new GraphBuilder("nchwc_probe");
        b.AddInput("x", TensorType.Of(DataType.Float, 1, 4, 1, 1));
        b.AddNode(new NodeSpec("ReorderInput", ["x"], ["y"], [Attr.Int("channels_last", 0)], Domain: NchwcDomain.Name));
        b.AddOutput("y");
        var model = OnnxModel.Create(b.Graph);
        model.ImportOpset(NchwcDomain.Name, NchwcDomain.Version);
        try
        {
            using var so = Sessions.Options(1, "cpu");
            using var session = new InferenceSession(OnnxFile.Serialize(model), so);
            float[] x = [1, 2, 3, 4];
            using var value = OrtValue.CreateTensorValueFromMemory(x, [1, 4, 1, 1]);
            using var run = new RunOptions();
            using var outs = session.Run(run, ["x"], [value], ["y"]);
            long channels = outs[0].GetTensorTypeAndShape().Shape[1];
            return channels is >= 4 and <= 64 && (channels & (channels - 1)) == 0 ? (int)channels : 0;
        }
        catch (OnnxRuntimeException)
        {
            return 0; // the domain is not registered in this build
        }
    }
}
