using System.Text.Json;
using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>A run folder as written so far: its flags (run.json) and one <see cref="EpochMetrics"/> per finished epoch (metrics.jsonl).</summary>
/// <param name="Folder">The run folder.</param>
/// <param name="Config">Its run.json.</param>
/// <param name="Epochs">Its metrics.jsonl, in epoch order.</param>
public sealed record RunHistory(string Folder, RunConfig Config, IReadOnlyList<EpochMetrics> Epochs)
{
    /// <summary>File holding one JSON line per finished epoch.</summary>
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>The folder's last path segment (how plots and tables label the run).</summary>
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Folder)));

    /// <summary>Reads a run folder; one error naming the file when run.json or metrics.jsonl is missing or damaged.</summary>
    public static RunHistory Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such run folder.");
        var settings = Path.Combine(folder, RunFolder.SettingsFile);
        if (!File.Exists(settings)) throw new FileNotFoundException($"{folder}: not a run folder ({RunFolder.SettingsFile} is missing).", settings);
        var epochs = ReadMetrics(Path.Combine(folder, MetricsFile));
        if (epochs.Count == 0) throw new InvalidDataException($"{Path.Combine(folder, MetricsFile)}: no finished epoch yet.");
        return new RunHistory(folder, RunConfig.FromFile(settings), epochs);
    }

    /// <summary>The epochs in metrics.jsonl (none when the file does not exist yet).</summary>
    public static List<EpochMetrics> ReadMetrics(string file)
    {
        if (!File.Exists(file)) return [];
        var epochs = new List<EpochMetrics>();
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try { epochs.Add(JsonSerializer.Deserialize<EpochMetrics>(lines[i], CheckpointFile.Json) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new InvalidDataException($"{file}: line {i + 1} is not an epoch record ({e.Message}).", e); }
        }
        return epochs;
    }
}
