using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Tests.Artifacts;

/// <summary>A float32 or int64 array with its shape, as fed to and read from ONNX Runtime.</summary>
sealed record Feed(Array Data, long[] Shape)
{
    public static Feed Of(float[] data, params long[] shape) => new(data, shape);
    public static Feed Of(long[] data, params long[] shape) => new(data, shape);
    public float[] Floats => (float[])Data;
    public long[] Longs => (long[])Data;
}

/// <summary>Runs a model in ONNX Runtime's CPU build, feeding the inputs it has by name.</summary>
sealed class OrtRunner : IDisposable
{
    readonly InferenceSession _session;

    public ModelProto Model { get; }

    public OrtRunner(ModelProto model)
    {
        Model = model;
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        _session = new InferenceSession(OnnxFile.Serialize(model), options);
    }

    /// <summary>
    /// Runs with the feeds the model has inputs for (inputs with a default initializer may be
    /// left out); returns the requested outputs (all by default) as float or int64 arrays.
    /// </summary>
    public Dictionary<string, Feed> Run(IReadOnlyDictionary<string, Feed> feeds, IReadOnlyList<string>? outputs = null)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in Model.Graph.Input)
            {
                if (!feeds.TryGetValue(input.Name, out var f)) continue;
                names.Add(input.Name);
                values.Add(f.Data switch
                {
                    float[] a => OrtValue.CreateTensorValueFromMemory((float[])a.Clone(), f.Shape),
                    long[] a => OrtValue.CreateTensorValueFromMemory((long[])a.Clone(), f.Shape),
                    _ => throw new ArgumentException($"Feed '{input.Name}' is {f.Data.GetType()}."),
                });
            }
            var outNames = outputs ?? Model.Graph.Output.Select(o => o.Name).ToArray();
            // Held in a variable until the run returns (RunOptionsLifetimeTests): Run passes on only the native handle, so an
            // unreferenced RunOptions can be finalized, its native memory freed, while the run still reads it.
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, outNames);
            var map = new Dictionary<string, Feed>(StringComparer.Ordinal);
            for (int i = 0; i < outNames.Count; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                map[outNames[i]] = info.ElementDataType == TensorElementType.Int64
                    ? new Feed(results[i].GetTensorDataAsSpan<long>().ToArray(), info.Shape)
                    : new Feed(results[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
            }
            return map;
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    /// <summary>The model reduced to the nodes that <paramref name="outputs"/> need (e.g. a loss-only forward).</summary>
    public static ModelProto Prune(ModelProto model, params string[] outputs)
    {
        var m = model.Clone();
        var needed = new HashSet<string>(outputs, StringComparer.Ordinal);
        var keep = new List<NodeProto>();
        for (int k = m.Graph.Node.Count - 1; k >= 0; k--)
        {
            var n = m.Graph.Node[k];
            if (!n.Output.Any(needed.Contains)) continue;
            keep.Add(n);
            foreach (var i in n.Input) needed.Add(i);
        }
        keep.Reverse();
        m.Graph.Node.Clear();
        m.Graph.Node.AddRange(keep);
        var outs = m.Graph.Output.Where(o => outputs.Contains(o.Name)).ToList();
        m.Graph.Output.Clear();
        m.Graph.Output.AddRange(outs);
        var inputs = m.Graph.Input.Where(i => needed.Contains(i.Name)).ToList();
        m.Graph.Input.Clear();
        m.Graph.Input.AddRange(inputs);
        return m;
    }

    public void Dispose() => _session.Dispose();
}
