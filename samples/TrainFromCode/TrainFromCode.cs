using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Training;

namespace Neq.Samples;

/// <summary>
/// Trains an ONNX classifier with NEq on data held in memory and saves the trained infer.onnx.
/// Usage: dotnet run --project samples/TrainFromCode [model.onnx [out-folder]] — without a model, a
/// small one is built for the sample's 1×16 signals (is the signal rising or falling?).
/// </summary>
public static class TrainFromCode
{
    public static void Main(string[] args) =>
        Run(args.Length > 0 ? OnnxFile.Load(args[0]) : SignalModel(), args.Length > 1 ? args[1] : "train-from-code", samples: 2000, epochs: 5);

    public static IReadOnlyList<EpochMetrics> Run(ModelProto model, string outFolder, int samples, int epochs)
    {
        var compiled = TrainingArtifacts.Compile(model, new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        // The caller's data: float32 samples of the model's input shape (here 1×16) and class labels.
        var data = new Dataset("signals", Signals(samples, seed: 1), Signals(samples / 4, seed: 2), ["falling", "rising"],
            Normalization: null, AugmentMode.None, Source: "memory", Notes: []);
        var options = new TrainerOptions(epochs, BatchSize: 50, new LrSchedule(LrScheduleKind.Cosine, 0.05, [], 0.1, epochs),
            ValSize: 0.1, Seed: 0, Threads: 0, UseNeq: true, new EquilibriumOptions());
        using var trainer = new NeqTrainer(compiled, data, options);
        trainer.Run(log: (m, _) => Console.WriteLine($"epoch {m.Epoch + 1}: train loss {m.TrainLoss:0.000}, test top-1 {m.TestTop1:0.0}%, frozen {m.FrozenPercent:0.0}%"),
            checkpoint: _ => { });
        Directory.CreateDirectory(outFolder);
        OnnxFile.Save(TrainingArtifacts.WithTrainedValues(compiled.Artifacts.Infer, trainer.TrainedValues()), Path.Combine(outFolder, "infer.onnx"));
        return trainer.History;
    }

    /// <summary>Signals x_t = s·t/16 + noise (uniform, ±1.5) with slope s = ±1: label 1 when rising.</summary>
    static SampleSet Signals(int count, int seed)
    {
        var rng = new Random(seed);
        var (x, labels) = (new float[count * 16], new int[count]);
        for (var i = 0; i < count; i++)
        {
            labels[i] = rng.Next(2);
            for (var t = 0; t < 16; t++) x[i * 16 + t] = (labels[i] * 2 - 1) * t / 16f + (float)(rng.NextDouble() - 0.5) * 3;
        }
        return SampleSet.FromFloats(x, [1, 16], labels);
    }

    /// <summary>[N,1,16] → Flatten → Gemm 16→8 → Relu → Gemm 8→2.</summary>
    public static ModelProto SignalModel()
    {
        var rng = new Random(0);
        float[] Init(int n, int fanIn) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) / Math.Sqrt(fanIn))).ToArray();
        var b = new GraphBuilder("signals");
        b.AddInput("x", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 1, 16]));
        b.AddInitializer(Tensors.Float("fc1.weight", [8, 16], Init(128, 16)));
        b.AddInitializer(Tensors.Float("fc1.bias", [8], new float[8]));
        b.AddInitializer(Tensors.Float("fc2.weight", [2, 8], Init(16, 8)));
        b.AddInitializer(Tensors.Float("fc2.bias", [2], new float[2]));
        var h = b.Op("Relu", [b.Op("Gemm", [b.Op("Flatten", ["x"], name: "flatten"), "fc1.weight", "fc1.bias"], [Attr.Int("transB", 1)], name: "fc1")], name: "relu1");
        b.Op("Gemm", [h, "fc2.weight", "fc2.bias"], [Attr.Int("transB", 1)], output: "logits", name: "fc2");
        b.AddOutput("logits", new TensorType(TensorProto.Types.DataType.Float, [Dim.Sym("N"), 2]));
        return OnnxModel.Create(b.Graph);
    }
}
