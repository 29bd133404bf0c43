using Google.Protobuf;
using Neq.Onnx.Training;
using Tensorboard;

namespace Neq.Train.TensorBoard;

/// <summary>
/// A TensorBoard event file, <c>events.out.tfevents.&lt;unix-seconds&gt;.&lt;host&gt;</c>, in a run folder's
/// <c>tensorboard/</c> folder, so <c>tensorboard --logdir runs</c> shows the run. Each process writing a run
/// starts its own file (TensorBoard merges a folder's files in name order), and every epoch's record is
/// flushed to disk before <see cref="Log"/> returns, so a killed run keeps what it logged. Steps are 1-based
/// epochs, the numbers a person reads elsewhere in the run folder.
/// </summary>
public sealed class TensorBoardLog
{
    /// <summary>The folder, inside a run folder, holding the event files.</summary>
    public const string FolderName = "tensorboard";

    /// <summary>The first record of every event file (TensorFlow's EventsWriter).</summary>
    public const string FileVersion = "brain.Event:2";

    /// <summary>The event file this log appends to.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Starts an event file in <paramref name="folder"/> for epochs from <paramref name="firstEpoch"/> (0-based,
    /// the epoch the trainer continues at). A continuation also writes a SessionLog START at that step:
    /// TensorBoard then drops what an earlier file logged for that epoch and later (a run killed after logging
    /// an epoch but before checkpointing it redoes the epoch), so no epoch appears twice.
    /// </summary>
    public TensorBoardLog(string folder, int firstEpoch)
    {
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        FilePath = FreeName(folder, now.ToUnixTimeSeconds());
        List<Event> events = [new Event { WallTime = Seconds(now), FileVersion = FileVersion, SourceMetadata = new SourceMetadata { Writer = "neq" } }];
        if (firstEpoch > 0)
            events.Add(new Event { WallTime = Seconds(now), Step = firstEpoch + 1, SessionLog = new SessionLog { Status = SessionLog.Types.SessionStatus.Start } });
        Append(events, FileMode.CreateNew);
    }

    /// <summary>Appends epoch <paramref name="m"/>'s scalars and histogram at step <c>Epoch + 1</c>.</summary>
    public void Log(EpochMetrics m) =>
        Append([new Event { WallTime = Seconds(DateTimeOffset.UtcNow), Step = m.Epoch + 1, Summary = EpochSummary.Of(m) }], FileMode.Append);

    // The file is opened per epoch rather than held open: nothing needs disposing, and each epoch's
    // records are on disk when the epoch's other files are.
    void Append(IEnumerable<Event> events, FileMode mode)
    {
        using var stream = new FileStream(FilePath, mode, FileAccess.Write, FileShare.Read);
        foreach (var e in events) TfRecord.Write(stream, e.ToByteArray());
        stream.Flush(flushToDisk: true);
    }

    static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;

    // Two processes (a run and its quick resume) may start in the same second; a suffix keeps both files.
    static string FreeName(string folder, long unixSeconds)
    {
        var name = Path.Combine(folder, $"events.out.tfevents.{unixSeconds}.{Environment.MachineName}");
        var path = name;
        for (var n = 1; File.Exists(path); n++) path = $"{name}.{n}";
        return path;
    }
}
