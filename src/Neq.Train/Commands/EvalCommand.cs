using Neq.CommandLine;
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Checking;
using Neq.Onnx.Data;
using Neq.Onnx.Io;
using Neq.Onnx.Training;

namespace Neq.Train.Commands;

/// <summary><c>neq eval model.onnx --data …</c>: test accuracy of a deployed classifier (e.g. a run's infer.onnx).</summary>
public sealed class EvalCommand : Command
{
    readonly Argument<string> _model = new("model") { Description = "An ONNX classifier: [N,3,32,32] → [N,10]." };
    readonly Option<string?> _data = new("--data") { Description = "cifar-10-binary.tar.gz or its extracted folder." };
    readonly Option<int> _batch = new("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 500 };
    readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime threads (0: all cores).", DefaultValueFactory = _ => 0 };

    /// <summary>Creates the command.</summary>
    public EvalCommand() : base("eval", "Report the CIFAR-10 test accuracy of a deployed ONNX classifier.")
    {
        Arguments.Add(_model);
        Options.Add(_data);
        Options.Add(_batch);
        Options.Add(_threads);
        SetAction((p, ct) => Task.FromResult(Run(p, ct)));
    }

    int Run(ParseResult p, CancellationToken ct)
    {
        var path = p.GetValue(_model)!;
        if (p.GetValue(_batch) < 1) throw new UsageException("--batch-size must be at least 1.");
        var model = OnnxFile.Load(path);
        GraphChecker.ThrowIfInvalid(model, path);
        using var so = Sessions.Options(p.GetValue(_threads), "cpu");
        using var session = new InferenceSession(OnnxFile.Serialize(model), so);
        var input = session.InputMetadata.First(kv => !model.Graph.Initializer.Any(t => t.Name == kv.Key));
        var dims = input.Value.Dimensions;
        if (dims.Length != 4 || dims[1] != 3 || dims[2] != 32 || dims[3] != 32)
            throw new OnnxFormatException($"{path}: input '{input.Key}' has shape [{string.Join(",", dims)}]; CIFAR-10 needs [N,3,32,32].");
        var output = session.OutputMetadata.First();
        if (output.Value.Dimensions is not [_, 10])
            throw new OnnxFormatException($"{path}: output '{output.Key}' has shape [{string.Join(",", output.Value.Dimensions)}]; a CIFAR-10 classifier outputs [N,10].");
        // The model is checked first: a wrong model is reported without waiting for the data.
        var data = Cifar10.LoadAsync(new Cifar10Source { DataPath = p.GetValue(_data) }, null, ct).GetAwaiter().GetResult();
        var loader = new BatchLoader(data.Test, new BatchLoaderOptions(p.GetValue(_batch), Shuffle: false, Augment: false, Seed: 0));
        var stats = new ClassificationStats();
        using var run = new RunOptions();
        foreach (var batch in loader.ReadEpoch(0, ct))
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                using var outs = session.Run(run, [input.Key], [x], [output.Key]);
                stats.Add(outs[0].GetTensorDataAsSpan<float>(), batch.Labels.Span, 10);
            }
        p.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: CIFAR-10 test ({stats.Count} images): loss {stats.Loss:0.0000}, top-1 {stats.Top1:0.00}%, top-5 {stats.Top5:0.00}%"));
        return CliHost.Ok;
    }
}
