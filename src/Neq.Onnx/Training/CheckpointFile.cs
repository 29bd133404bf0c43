using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Security.Cryptography;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Training;

/// <summary>
/// Reads and writes <see cref="TrainerCheckpoint"/>s. The container is an ONNX ModelProto (so the
/// project's protobuf code and atomic writer serve it): tensors as initializers (masks prefixed
/// "mask:"), counters and metrics as metadata. The NEq state — mostly the previous epoch's
/// validation activations, hundreds of MB for a ResNet-32, gigabytes for deeper networks, where
/// one protobuf message (2 GB at most) cannot hold it — is streamed to a side file
/// <c>&lt;checkpoint&gt;.epochN.neq</c>, named with its length and SHA-256 in the metadata.
/// Writes are atomic and ordered: the side file first, then the checkpoint that names it, then the
/// older side files are removed, so a run killed at any point keeps a complete previous checkpoint.
/// </summary>
public static class CheckpointFile
{
    const string FormatKey = "neq.checkpoint.format", Format = "2";
    const string EquilibriumFileKey = "neq.equilibrium.file", EquilibriumBytesKey = "neq.equilibrium.bytes", EquilibriumHashKey = "neq.equilibrium.sha256";
    const string SideExtension = ".neq";
    // Format 1 held the NEq state inline as this uint8 tensor; still read.
    const string LegacyFormat = "1", LegacyEquilibriumTensor = "neq:equilibrium";
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
        var model = OnnxModel.Create(graph);
        void Meta(string k, string v) => model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        Meta(FormatKey, Format);
        string? side = null;
        if (cp.Equilibrium is { } eq)
        {
            side = $"{Path.GetFileName(path)}.epoch{cp.CompletedEpochs.ToString(CultureInfo.InvariantCulture)}{SideExtension}";
            var (bytes, hash) = WriteSideFile(Path.Combine(DirectoryOf(path), side), eq);
            Meta(EquilibriumFileKey, side);
            Meta(EquilibriumBytesKey, bytes.ToString(CultureInfo.InvariantCulture));
            Meta(EquilibriumHashKey, hash);
        }
        Meta("neq.completed_epochs", cp.CompletedEpochs.ToString(CultureInfo.InvariantCulture));
        Meta("neq.seed", cp.Seed.ToString(CultureInfo.InvariantCulture));
        Meta("neq.history", JsonSerializer.Serialize(cp.History, Json));
        OnnxFile.Save(model, path);
        RemoveSideFilesExcept(path, side);
    }

    static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path))!;

    /// <summary>Streams the state to a temporary file, flushes it, renames it into place; its length and SHA-256.</summary>
    static (long Bytes, string Sha256) WriteSideFile(string sidePath, EquilibriumState state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(sidePath)!);
        var tmp = $"{sidePath}.tmp-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Path.GetRandomFileName()}";
        try
        {
            long bytes;
            string hash;
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var sha = SHA256.Create())
            {
                // The hash is taken as the bytes pass to the file: no second pass over hundreds of MB.
                using (var hashing = new CryptoStream(fs, sha, CryptoStreamMode.Write, leaveOpen: true))
                using (var buffered = new BufferedStream(hashing, 1 << 20))
                    state.WriteTo(buffered);
                fs.Flush(flushToDisk: true);
                bytes = fs.Length;
                hash = Convert.ToHexStringLower(sha.Hash!);
            }
            File.Move(tmp, sidePath, overwrite: true);
            return (bytes, hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw new IOException($"{sidePath}: cannot write the NEq state ({e.Message}).", e);
        }
    }

    /// <summary>Deletes this checkpoint's side files other than <paramref name="keep"/> (older epochs, or leftovers of a killed save).</summary>
    static void RemoveSideFilesExcept(string path, string? keep)
    {
        var dir = DirectoryOf(path);
        foreach (var f in Directory.EnumerateFiles(dir, $"{Path.GetFileName(path)}.epoch*{SideExtension}*"))
        {
            if (keep is not null && Path.GetFileName(f) == keep) continue;
            try { File.Delete(f); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Reads a side file after checking its length and SHA-256 against the checkpoint's record.</summary>
    static EquilibriumState ReadSideFile(string path, IReadOnlyDictionary<string, string> meta)
    {
        var name = meta[EquilibriumFileKey];
        if (Path.GetFileName(name) != name)
            throw new InvalidDataException($"{path}: the NEq state file '{name}' is not a file name beside the checkpoint.");
        var sidePath = Path.Combine(DirectoryOf(path), name);
        if (!File.Exists(sidePath))
            throw new InvalidDataException($"{path}: its NEq state file {sidePath} is missing; keep it next to the checkpoint.");
        using var fs = new FileStream(sidePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long expected = long.Parse(meta[EquilibriumBytesKey], CultureInfo.InvariantCulture);
        if (fs.Length != expected)
            throw new InvalidDataException($"{sidePath}: {fs.Length} bytes, the checkpoint recorded {expected}; the file is damaged.");
        if (Convert.ToHexStringLower(SHA256.HashData(fs)) != meta[EquilibriumHashKey])
            throw new InvalidDataException($"{sidePath}: its SHA-256 differs from the checkpoint's record; the file is damaged.");
        fs.Position = 0;
        using var buffered = new BufferedStream(fs, 1 << 20);
        return EquilibriumState.ReadFrom(buffered, sidePath);
    }

    /// <summary>Reads a checkpoint; one <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static TrainerCheckpoint Load(string path)
    {
        ModelProto model;
        try { model = OnnxFile.Load(path); }
        catch (OnnxFormatException e) { throw new InvalidDataException($"{path}: not a Neq.Onnx checkpoint ({e.Message}).", e); }
        var meta = model.MetadataProps.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (meta.GetValueOrDefault(FormatKey) is not (Format or LegacyFormat))
            throw new InvalidDataException($"{path}: not a Neq.Onnx checkpoint (format {meta.GetValueOrDefault(FormatKey) ?? "missing"}).");
        try
        {
            var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var masks = new Dictionary<string, float[]>(StringComparer.Ordinal);
            EquilibriumState? eq = meta.ContainsKey(EquilibriumFileKey) ? ReadSideFile(path, meta) : null;
            foreach (var t in model.Graph.Initializer)
            {
                if (t.Name == LegacyEquilibriumTensor) eq = EquilibriumState.FromBytes(t.RawData.ToByteArray(), path);
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
