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

    /// <summary>Every tensor of the model: initializers, Constant/attribute tensors, subgraphs, functions.</summary>
    public static IEnumerable<TensorProto> AllTensors(ModelProto model)
    {
        var graphs = new List<GraphProto>();
        if (model.Graph is not null) graphs.Add(model.Graph);
        var tensors = new List<TensorProto>();
        void VisitNodes(IEnumerable<NodeProto> nodes)
        {
            foreach (var n in nodes)
                foreach (var a in n.Attribute)
                {
                    if (a.T is not null) tensors.Add(a.T);
                    tensors.AddRange(a.Tensors);
                    if (a.G is not null) graphs.Add(a.G);
                    graphs.AddRange(a.Graphs);
                }
        }
        foreach (var f in model.Functions) VisitNodes(f.Node);
        for (int i = 0; i < graphs.Count; i++)
        {
            tensors.AddRange(graphs[i].Initializer);
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
            long offset = 0, length = -1;
            foreach (var kv in t.ExternalData)
            {
                switch (kv.Key)
                {
                    case "location": location = kv.Value; break;
                    case "offset": offset = ParseLong(kv.Value, t.Name, modelPath); break;
                    case "length": length = ParseLong(kv.Value, t.Name, modelPath); break;
                }
            }
            if (location is null)
                throw new OnnxFormatException($"{modelPath}: tensor '{t.Name}' is external but names no location.");
            var full = Path.GetFullPath(Path.Combine(baseDir, location));
            if (!cache.TryGetValue(full, out var data))
            {
                try { data = File.ReadAllBytes(full); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new OnnxFormatException($"{modelPath}: external data file '{location}' of tensor '{t.Name}' cannot be read ({e.Message}).", e);
                }
                cache[full] = data;
            }
            if (length < 0) length = data.Length - offset;
            if (offset < 0 || offset + length > data.Length)
                throw new OnnxFormatException($"{modelPath}: tensor '{t.Name}' wants bytes {offset}..{offset + length} of '{location}', which has {data.Length} (truncated?).");
            t.RawData = ByteString.CopyFrom(data, (int)offset, (int)length);
            t.ExternalData.Clear();
            t.ClearDataLocation();
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
