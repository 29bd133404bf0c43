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
        if (output.Value.Dimensions is not [_, > 0 and var classes])
            throw new OnnxFormatException($"{path}: output '{output.Key}' has shape [{string.Join(",", output.Value.Dimensions)}]; a classifier outputs class logits [N,K].");
        // The model is checked first: a wrong model is reported without waiting for the data.
        var fitted = DataFlags.Load(source, ModelInput.Of(input.Key, input.Value.Dimensions.Select(d => (long)d).ToArray(), model.Graph), null, ct);
        var data = fitted.Dataset;
        if (!data.Test.HasClassLabels)
            throw new DatasetException($"{data.Source}: the {data.Name} data has float targets; neq eval reports classification accuracy.");
        data.Test.CheckLabels(classes, $"{data.Source} (test set)");
        var console = p.InvocationConfiguration.Output;
        foreach (var note in data.Notes) console.WriteLine($"note: {note}");
        var loader = new BatchLoader(data.Test, new BatchLoaderOptions(p.GetValue(_batch), Normalization: data.Normalization,
            ChannelsLast: fitted.ChannelsLast, SampleShape: fitted.SampleShape));
        var stats = new ClassificationStats { Kind = ClassificationStats.KindOf(model.Graph, output.Key) };
        using var run = new RunOptions();
        foreach (var batch in loader.ReadEpoch(0, ct))
            using (batch)
            {
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.Images, loader.BatchShape(batch.Index));
                using var outs = session.Run(run, [input.Key], [x], [output.Key]);
                stats.Add(outs[0].GetTensorDataAsSpan<float>(), batch.Labels.Span, classes);
            }
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: {data.Name} test ({stats.Count} images): loss {stats.Loss:0.0000}, top-1 {stats.Top1:0.00}%, top-5 {stats.Top5:0.00}%"));
        return CliHost.Ok;
    }
}
