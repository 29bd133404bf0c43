using Neq.Onnx.Tests.Data;
using Neq.Onnx.Training;
using Neq.Train;
using Neq.Train.TensorBoard;
using Tensorboard;

namespace Neq.Onnx.Tests.TensorBoard;

/// <summary>Event files read back with the test's own TFRecord reader: CRCs, the file version, every scalar and histogram.</summary>
public sealed class TensorBoardLogTests
{
    /// <summary>Epoch <paramref name="e"/> (0-based) with every field distinct; the validation numbers NaN when <paramref name="noVal"/>.</summary>
    internal static EpochMetrics Metrics(int e, bool noVal = false) => new(
        Epoch: e, Lr: 0.1 / (e + 1), TrainLoss: 2.3 - 0.25 * e, TrainTop1: 20 + 7.5 * e, TrainTop5: 60 + 3.25 * e,
        ValLoss: noVal ? double.NaN : 2.4 - 0.2 * e, ValTop1: noVal ? double.NaN : 18 + 6 * e, ValTop5: noVal ? double.NaN : 55 + 4 * e,
        TestLoss: 2.35 - 0.22 * e, TestTop1: 19 + 6.5 * e, TestTop5: 58 + 3.5 * e,
        TrainedFrozenPercent: 4.0 * e, FrozenPercent: 4.0 * e + 2.5,
        FrozenPercentPerLayer: new Dictionary<string, double> { ["conv1"] = 0, ["layer1.0.conv1"] = 12.5 * e, ["layer1.0.conv2"] = 37.5 + e, ["fc"] = 100 },
        BpropFlopsPerSample: 8.0e7 - 1.0e6 * e, BpropSavingSoFar: 1.5 * e, TrainSeconds: 30 + e, NeqSeconds: 2 + 0.5 * e, TestSeconds: 3 + 0.25 * e,
        ActivationBytes: 3L * 1048576 * (e + 1), SpecializeSeconds: 0.75 * e,
        StepSeconds: 25 + e, Steps: 100, DenseStepRatio: 1 + 0.25 * e, TimingSeconds: 1.5);

    /// <summary>The tag → value mapping written out by hand from <see cref="EpochMetrics"/>'s documentation.</summary>
    static Dictionary<string, double> Expected(EpochMetrics m)
    {
        var d = new Dictionary<string, double>
        {
            ["loss/train"] = m.TrainLoss, ["loss/test"] = m.TestLoss, ["top1/train"] = m.TrainTop1, ["top1/test"] = m.TestTop1,
            ["top5/train"] = m.TrainTop5, ["top5/test"] = m.TestTop5, ["lr"] = m.Lr,
            ["neq/frozen_percent"] = m.FrozenPercent, ["neq/trained_frozen_percent"] = m.TrainedFrozenPercent,
            ["neq/bprop_saved_percent"] = m.BpropSavingSoFar, ["neq/bprop_flops_per_sample"] = m.BpropFlopsPerSample,
            ["time/train_seconds"] = m.TrainSeconds, ["time/neq_seconds"] = m.NeqSeconds, ["time/test_seconds"] = m.TestSeconds,
            ["time/specialize_seconds"] = m.SpecializeSeconds,
            // A step of StepSeconds / Steps, the dense one DenseStepRatio times as long; the saving is the difference over the epoch's steps.
            ["time/step_ms"] = (25.0 + m.Epoch) / 100 * 1000, ["time/dense_step_ms"] = (25.0 + m.Epoch) / 100 * 1000 * (1 + 0.25 * m.Epoch),
            ["time/step_seconds_saved"] = (25.0 + m.Epoch) * 0.25 * m.Epoch,
            ["memory/activation_mib"] = m.ActivationBytes / (1024.0 * 1024.0),
        };
        if (!double.IsNaN(m.ValLoss)) (d["loss/val"], d["top1/val"], d["top5/val"]) = (m.ValLoss, m.ValTop1, m.ValTop5);
        return d;
    }

    static List<Event> Events(string file) => [.. EventFileReader.Records(file).Select(r => Event.Parser.ParseFrom(r))];

    static string[] EventFiles(string runFolder) =>
        [.. Directory.GetFiles(Path.Combine(runFolder, TensorBoardLog.FolderName), "events.out.tfevents.*").Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_record_verifies_and_the_scalars_and_histograms_are_what_was_logged()
    {
        using var dir = new TempFolder();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var log = new TensorBoardLog(dir["tb"], firstEpoch: 0);
        var epochs = Enumerable.Range(0, 3).Select(e => Metrics(e)).ToArray();
        foreach (var m in epochs) log.Log(m);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\.", Path.GetFileName(log.FilePath));
        var events = Events(log.FilePath);
        Assert.Equal(1 + epochs.Length, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.All(events, e => Assert.InRange(e.WallTime, before - 0.001, after + 0.001));
        foreach (var (m, e) in epochs.Zip(events.Skip(1)))
        {
            Assert.Equal(m.Epoch + 1, e.Step);
            var scalars = e.Summary.Value.Where(v => v.ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue).ToDictionary(v => v.Tag, v => v.SimpleValue);
            var expected = Expected(m);
            Assert.Equal(expected.Keys.Order(), scalars.Keys.Order());
            foreach (var (tag, value) in expected) Assert.Equal((float)value, scalars[tag]);

            var histo = Assert.Single(e.Summary.Value, v => v.ValueCase == Summary.Types.Value.ValueOneofCase.Histo).Histo;
            var layers = m.FrozenPercentPerLayer.Values.ToArray();
            Assert.Equal(layers.Length, histo.Num);
            Assert.Equal(histo.Num, histo.Bucket.Sum());
            Assert.Equal(histo.Bucket.Count, histo.BucketLimit.Count);
            Assert.Equal((layers.Min(), layers.Max()), (histo.Min, histo.Max));
            Assert.Equal(layers.Sum(), histo.Sum, 1e-9);
            Assert.Equal(layers.Sum(v => v * v), histo.SumSquares, 1e-9);
        }
    }

    [Fact]
    public void Validation_numbers_of_a_run_without_a_validation_subset_are_left_out()
    {
        using var dir = new TempFolder();
        var log = new TensorBoardLog(dir.Path, firstEpoch: 0);
        log.Log(Metrics(0, noVal: true));
        var tags = Events(log.FilePath)[1].Summary.Value.Select(v => v.Tag).ToArray();
        Assert.DoesNotContain(tags, t => t.EndsWith("/val", StringComparison.Ordinal));
        Assert.Contains("top1/test", tags);
    }

    [Fact]
    public void A_truncated_file_is_detected_naming_the_file_and_record()
    {
        using var dir = new TempFolder();
        var log = new TensorBoardLog(dir.Path, firstEpoch: 0);
        log.Log(Metrics(0));
        log.Log(Metrics(1));
        var bytes = File.ReadAllBytes(log.FilePath);
        File.WriteAllBytes(log.FilePath, bytes[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => EventFileReader.Records(log.FilePath));
        Assert.Contains(log.FilePath, e.Message);
        Assert.Contains("record 2", e.Message);
    }

    [Fact]
    public void A_flipped_data_byte_fails_the_data_crc()
    {
        using var dir = new TempFolder();
        var log = new TensorBoardLog(dir.Path, firstEpoch: 0);
        log.Log(Metrics(0));
        var bytes = File.ReadAllBytes(log.FilePath);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(log.FilePath, bytes);
        Assert.Contains("record 1's data CRC", Assert.Throws<InvalidDataException>(() => EventFileReader.Records(log.FilePath)).Message);
    }

    [Fact]
    public void Run_folder_writes_one_event_per_epoch_and_a_resumed_run_appends_a_new_file_from_its_epoch()
    {
        using var dir = new TempFolder();
        var first = new RunFolder(dir.Path);
        first.Log(Metrics(0), null);
        first.Log(Metrics(1), null);
        // The "killed" process logged epochs 1 and 2 (1-based); the resumed one continues at epoch 3.
        var resumed = new RunFolder(dir.Path);
        resumed.Log(Metrics(2), null);
        resumed.Log(Metrics(3), null);

        var files = EventFiles(dir.Path);
        Assert.Equal(2, files.Length);
        var (a, b) = (Events(files[0]), Events(files[1]));
        Assert.Equal("brain.Event:2", a[0].FileVersion);
        Assert.Equal("brain.Event:2", b[0].FileVersion);
        Assert.Equal([1L, 2L], a.Where(e => e.Summary is not null).Select(e => e.Step));
        // The continuation marks where it restarts, then logs only the epochs it ran.
        Assert.Equal(SessionLog.Types.SessionStatus.Start, b[1].SessionLog.Status);
        Assert.Equal(3, b[1].Step);
        Assert.Equal([3L, 4L], b.Where(e => e.Summary is not null).Select(e => e.Step));
        foreach (var (e, m) in a.Concat(b).Where(e => e.Summary is not null).Zip(Enumerable.Range(0, 4).Select(i => Metrics(i))))
            Assert.Equal((float)m.TestTop1, Assert.Single(e.Summary.Value, v => v.Tag == "top1/test").SimpleValue);
    }
}
