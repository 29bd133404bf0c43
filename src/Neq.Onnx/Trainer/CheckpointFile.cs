using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Trainer;

/// <summary>
/// Reads and writes <see cref="TrainerCheckpoint"/>s. The container is an ONNX ModelProto (so the
/// project's protobuf code and atomic writer serve it): tensors as initializers (masks prefixed
/// "mask:"), the NEq state as a uint8 tensor, counters and metrics as metadata. Writes are atomic:
/// a run killed mid-write keeps the previous checkpoint.
/// </summary>
public static class CheckpointFile
{
    const string FormatKey = "neq.checkpoint.format", Format = "1";
    const string EquilibriumTensor = "neq:equilibrium";
    const string MaskPrefix = "mask:";

    /// <summary>JSON settings of metrics (NaN allowed, camelCase).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string path, TrainerCheckpoint cp)
    {
        var graph = new GraphProto { Name = "checkpoint" };
        foreach (var (name, data) in cp.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            graph.Initializer.Add(Tensors.Float(name, [data.LongLength], data));
        foreach (var (name, data) in cp.Masks.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            graph.Initializer.Add(Tensors.Float(MaskPrefix + name, [data.LongLength], data));
        if (cp.Equilibrium is { } eq)
            graph.Initializer.Add(new TensorProto { Name = EquilibriumTensor, DataType = (int)DataType.Uint8, Dims = { eq.LongLength }, RawData = ByteString.CopyFrom(eq) });
        var model = OnnxModel.Create(graph);
        void Meta(string k, string v) => model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        Meta(FormatKey, Format);
        Meta("neq.completed_epochs", cp.CompletedEpochs.ToString(CultureInfo.InvariantCulture));
        Meta("neq.seed", cp.Seed.ToString(CultureInfo.InvariantCulture));
        Meta("neq.history", JsonSerializer.Serialize(cp.History, Json));
        OnnxFile.Save(model, path);
    }

    /// <summary>Reads a checkpoint; one <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static TrainerCheckpoint Load(string path)
    {
        ModelProto model;
        try { model = OnnxFile.Load(path); }
        catch (OnnxFormatException e) { throw new InvalidDataException($"{path}: not a Neq.Onnx checkpoint ({e.Message}).", e); }
        var meta = model.MetadataProps.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (meta.GetValueOrDefault(FormatKey) != Format)
            throw new InvalidDataException($"{path}: not a Neq.Onnx checkpoint (format {meta.GetValueOrDefault(FormatKey) ?? "missing"}).");
        try
        {
            var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var masks = new Dictionary<string, float[]>(StringComparer.Ordinal);
            byte[]? eq = null;
            foreach (var t in model.Graph.Initializer)
            {
                if (t.Name == EquilibriumTensor) eq = t.RawData.ToByteArray();
                else if (t.Name.StartsWith(MaskPrefix, StringComparison.Ordinal)) masks[t.Name[MaskPrefix.Length..]] = t.ToFloatArray();
                else tensors[t.Name] = t.ToFloatArray();
            }
            var history = JsonSerializer.Deserialize<List<EpochMetrics>>(meta["neq.history"], Json) ?? [];
            return new TrainerCheckpoint(int.Parse(meta["neq.completed_epochs"], CultureInfo.InvariantCulture),
                ulong.Parse(meta["neq.seed"], CultureInfo.InvariantCulture), tensors, masks, eq, history);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or JsonException or OverflowException)
        {
            throw new InvalidDataException($"{path}: damaged checkpoint ({e.Message}).", e);
        }
    }
}
