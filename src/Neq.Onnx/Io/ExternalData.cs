using System.Globalization;
using Google.Protobuf;
using Neq.Onnx.Ir;
using DataLocation = Neq.Onnx.Ir.TensorProto.Types.DataLocation;

namespace Neq.Onnx.Io;

/// <summary>
/// ONNX external tensor data: raw little-endian bytes in a file beside the model, referred to by
/// the keys "location" (relative path), "offset" and "length" of TensorProto.external_data.
/// </summary>
static class ExternalData
{
    const int Alignment = 4096; // offsets on page boundaries, as the ONNX spec recommends (mmap).

    /// <summary>
    /// Every tensor of the model: initializers (dense and sparse), Constant and other attribute
    /// tensors, in subgraphs, functions and training-info graphs too.
    /// </summary>
    public static IEnumerable<TensorProto> AllTensors(ModelProto model)
    {
        var graphs = new List<GraphProto>();
        if (model.Graph is not null) graphs.Add(model.Graph);
        foreach (var ti in model.TrainingInfo)
        {
            if (ti.Initialization is not null) graphs.Add(ti.Initialization);
            if (ti.Algorithm is not null) graphs.Add(ti.Algorithm);
        }
        var tensors = new List<TensorProto>();
        void AddSparse(SparseTensorProto s)
        {
            if (s.Values is not null) tensors.Add(s.Values);
            if (s.Indices is not null) tensors.Add(s.Indices);
        }
        void VisitNodes(IEnumerable<NodeProto> nodes)
        {
            foreach (var n in nodes)
                foreach (var a in n.Attribute)
                {
                    if (a.T is not null) tensors.Add(a.T);
                    tensors.AddRange(a.Tensors);
                    if (a.SparseTensor is not null) AddSparse(a.SparseTensor);
                    foreach (var s in a.SparseTensors) AddSparse(s);
                    if (a.G is not null) graphs.Add(a.G);
                    graphs.AddRange(a.Graphs);
                }
        }
        foreach (var f in model.Functions) VisitNodes(f.Node);
        for (int i = 0; i < graphs.Count; i++)
        {
            tensors.AddRange(graphs[i].Initializer);
            foreach (var s in graphs[i].SparseInitializer) AddSparse(s);
            VisitNodes(graphs[i].Node);
        }
        return tensors;
    }

    /// <summary>Reads every external tensor's bytes into raw_data and drops the reference.</summary>
    public static void Resolve(ModelProto model, string baseDir, string modelPath)
    {
        var cache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var t in AllTensors(model))
        {
            if (t.DataLocation != DataLocation.External) continue;
            string? location = null;
            long offset = 0;
            long? length = null;
            foreach (var kv in t.ExternalData)
            {
                switch (kv.Key)
                {
                    case "location": location = kv.Value; break;
                    case "offset": offset = ParseLong(kv.Value, t.Name, modelPath); break;
                    case "length": length = ParseLong(kv.Value, t.Name, modelPath); break;
                }
            }
            if (string.IsNullOrEmpty(location))
                throw new OnnxFormatException($"{modelPath}: tensor '{t.Name}' is external but names no location.");
            var full = FullPathInside(baseDir, location, t.Name, modelPath);
            if (!cache.TryGetValue(full, out var data))
            {
                try { data = File.ReadAllBytes(full); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new OnnxFormatException($"{modelPath}: external data file '{location}' of tensor '{t.Name}' cannot be read ({e.Message}).", e);
                }
                cache[full] = data;
            }
            // Compared without adding offset and length, which a corrupt file could make overflow.
            long available = data.Length - Math.Clamp(offset, 0, data.Length);
            long wanted = length ?? available;
            if (offset < 0 || offset > data.Length || wanted < 0 || wanted > available)
                throw new OnnxFormatException($"{modelPath}: tensor '{t.Name}' wants {(length is null ? "the rest" : wanted + " bytes")} " +
                    $"from offset {offset} of '{location}', which has {data.Length} bytes (truncated?).");
            t.RawData = ByteString.CopyFrom(data, (int)offset, (int)wanted);
            t.ExternalData.Clear();
            t.ClearDataLocation();
        }
    }

    /// <summary>
    /// The full path of an external data file, which must lie in the model's directory or below:
    /// ONNX's external data security rules forbid absolute paths and "..", which would let a model
    /// file read arbitrary files.
    /// </summary>
    static string FullPathInside(string baseDir, string location, string tensor, string modelPath)
    {
        try
        {
            var root = Path.GetFullPath(baseDir);
            var full = Path.GetFullPath(Path.Combine(root, location));
            var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
            if (Path.IsPathRooted(location) || !full.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                throw new OnnxFormatException($"{modelPath}: tensor '{tensor}' refers to external data '{location}' outside the model's directory; only relative paths below it are allowed.");
            return full;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OnnxFormatException($"{modelPath}: tensor '{tensor}' has an invalid external data location '{location}' ({e.Message}).", e);
        }
    }

    /// <summary>Moves the raw data of large tensors into one buffer; returns the buffer's bytes.</summary>
    public static byte[] Extract(ModelProto model, string location, long threshold)
    {
        using var ms = new MemoryStream();
        foreach (var t in AllTensors(model))
        {
            if (!t.HasRawData || t.RawData.Length < threshold) continue;
            long pad = (Alignment - ms.Length % Alignment) % Alignment;
            ms.Write(new byte[pad]);
            long offset = ms.Length;
            ms.Write(t.RawData.Span);
            t.ClearRawData();
            t.DataLocation = DataLocation.External;
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (ms.Length - offset).ToString(CultureInfo.InvariantCulture) });
        }
        return ms.ToArray();
    }

    static long ParseLong(string s, string tensor, string modelPath) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new OnnxFormatException($"{modelPath}: tensor '{tensor}' has an invalid external data number '{s}'.");
}
