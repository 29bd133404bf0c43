using Neq.CommandLine;
using System.CommandLine;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Checking;
using Neq.Onnx.Data;
using Neq.Onnx.Io;
using Neq.Onnx.Training;

namespace Neq.Train.Commands;

/// <summary>
/// <c>neq eval model.onnx --dataset … --data …</c>: test accuracy of a deployed classifier (e.g. a
/// run's infer.onnx) on any data set <c>neq train</c> reads, fitted to the model's input the same way.
/// </summary>
public sealed class EvalCommand : Command
{
    readonly Argument<string> _model = new("model") { Description = "An ONNX classifier: one input, logits [N,K]." };
    readonly DataFlags _dataFlags = new();
    readonly Option<int> _batch = new("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 500 };
    readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime threads (0: all cores).", DefaultValueFactory = _ => 0 };

    /// <summary>Creates the command.</summary>
    public EvalCommand() : base("eval", "Report the test accuracy of a deployed ONNX classifier.")
    {
        Arguments.Add(_model);
        foreach (var o in _dataFlags.All(training: false)) Options.Add(o);
        Options.Add(_batch);
        Options.Add(_threads);
        SetAction((p, ct) => Task.FromResult(Run(p, ct)));
    }

    int Run(ParseResult p, CancellationToken ct)
    {
        var path = p.GetValue(_model)!;
        if (p.GetValue(_batch) < 1) throw new UsageException("--batch-size must be at least 1.");
        var source = _dataFlags.Bind(p, new RunSource(Model: path));
        try { source.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var model = OnnxFile.Load(path);
        GraphChecker.ThrowIfInvalid(model, path);
        using var so = Sessions.Options(p.GetValue(_threads), "cpu");
        using var session = new InferenceSession(OnnxFile.Serialize(model), so);
        var input = session.InputMetadata.First(kv => !model.Graph.Initializer.Any(t => t.Name == kv.Key));
        var output = session.OutputMetadata.First();
        var dims = output.Value.Dimensions;
        if (dims.Length < 1 || dims.Skip(1).Any(d => d <= 0))
            throw new OnnxFormatException($"{path}: output '{output.Key}' has shape [{string.Join(",", dims)}]; neq eval needs fixed sizes after the batch axis.");
        int width = dims.Skip(1).Aggregate(1, (a, d) => a * d);
        // The model is checked first: a wrong model is reported without waiting for the data.
        var fitted = DataFlags.Load(source, ModelInput.Of(input.Key, input.Value.Dimensions.Select(d => (long)d).ToArray(), model.Graph), null, ct);
        var data = fitted.Dataset;
        var kind = ClassificationStats.KindOf(model.Graph, output.Key);
        // Float targets: a regression, scored by its mean squared error; class labels: a classifier
        // [N,K], or a binary one whose single column is a Sigmoid's probability (labels 0/1).
        bool regression = !data.Test.HasClassLabels;
        if (regression && data.Test.TargetSize != width)
            throw new DatasetException($"{data.Source}: each target has {data.Test.TargetSize} floats, but '{output.Key}' predicts {width} per sample.");
        if (!regression)
        {
            bool binary = dims.Length == 2 && width == 1 && model.Graph.Node.Any(n => n.OpType == "Sigmoid" && n.Output.Contains(output.Key));
            if (dims.Length != 2 || (width == 1 && !binary))
                throw new OnnxFormatException($"{path}: output '{output.Key}' has shape [{string.Join(",", dims)}]; a classifier outputs class logits [N,K], or one column after a Sigmoid.");
            data.Test.CheckLabels(Math.Max(width, 2), $"{data.Source} (test set)");
        }
        var console = p.InvocationConfiguration.Output;
        foreach (var note in data.Notes) console.WriteLine($"note: {note}");
        var loader = new BatchLoader(data.Test, new BatchLoaderOptions(p.GetValue(_batch), Normalization: data.Normalization,
            ChannelsLast: fitted.ChannelsLast, SampleShape: fitted.SampleShape));
        var stats = new ClassificationStats { Kind = kind };
        using var run = new RunOptions();
        foreach (var batch in loader.ReadEpoch(0, ct))
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                using var outs = session.Run(run, [input.Key], [x], [output.Key]);
                if (regression) stats.AddRegression(outs[0].GetTensorDataAsSpan<float>(), batch.Targets.Span, batch.Count);
                else stats.Add(outs[0].GetTensorDataAsSpan<float>(), batch.Labels.Span, width);
            }
        var c = CultureInfo.InvariantCulture;
        console.WriteLine(regression
            ? string.Create(c, $"{path}: {data.Name} test ({stats.Count} samples): loss (MSE) {stats.Loss:0.0000}, RMSE {stats.Rmse:0.0000}")
            : width == 1
                ? string.Create(c, $"{path}: {data.Name} test ({stats.Count} images): loss {stats.Loss:0.0000}, accuracy {stats.Top1:0.00}%")
                : string.Create(c, $"{path}: {data.Name} test ({stats.Count} images): loss {stats.Loss:0.0000}, top-1 {stats.Top1:0.00}%, top-5 {stats.Top5:0.00}%"));
        return CliHost.Ok;
    }
}
