using System.Text.Json;

namespace Neq.Onnx.Tests.Cli;

/// <summary>
/// <c>neq bench-step</c>, the step timing bench/gpu/ runs on a GPU machine from the self-contained
/// <c>neq</c>: on the CPU here, its steps must be real training steps of the graphs it names.
/// </summary>
public sealed class BenchStepCommandTests
{
    [Fact]
    public void General_and_specialised_steps_train_the_same_values_and_the_json_says_so()
    {
        using var dir = new Data.TempFolder();
        var json = dir["steps.json"];
        var (code, output, err) = CliRun.Neq("bench-step", "--device", "cpu", "--depth", "8", "--batch-size", "4",
            "--warmup", "0", "--steps", "2", "--frozen", "0.5", "--threads", "1", "--json", json);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("config").GetString()!);
        // On a CPU with NCHWc kernels the general graph also runs as written (standard ONNX).
        string[] expected = Neq.Onnx.Training.CpuKernels.NchwcBlockSize > 1
            ? ["general", "general-masked-50", "general-portable", "special-50"]
            : ["general", "general-masked-50", "special-50"];
        Assert.Equal(expected, results.Keys.Order());
        foreach (var name in results.Keys) Assert.Contains(name, output);

        double First(string c) => results[c].GetProperty("firstLoss").GetDouble();
        double Last(string c) => results[c].GetProperty("lastLoss").GetDouble();
        // The first loss comes before any update, from the same initial values and batch: masks only
        // change the update, so all three graphs report it alike (the specialised graph is a separate
        // build, hence a tolerance rather than bits).
        Assert.Equal(First("general"), First("general-masked-50"));
        Assert.Equal(First("general"), First("special-50"), 4);
        // After two updates the masked general graph and the graph specialised to the same masks have
        // trained the same parameters; both differ from the unmasked step.
        Assert.Equal(Last("general-masked-50"), Last("special-50"), 3);
        Assert.NotEqual(Last("general"), Last("general-masked-50"));
        // The graph lowered to the NCHWc kernels trains what the standard one trains.
        if (results.ContainsKey("general-portable"))
        {
            Assert.Equal(First("general-portable"), First("general"), 4);
            Assert.Equal(Last("general-portable"), Last("general"), 3);
        }
        // ResNet-8's layers have 16, 32 or 64 channels: half of each is frozen exactly.
        Assert.Equal(50.0, results["special-50"].GetProperty("frozenPercent").GetDouble(), 9);
        Assert.Equal(0.0, results["general"].GetProperty("frozenPercent").GetDouble());
    }

    [Fact]
    public void The_data_parallel_mode_times_the_split_step_of_the_same_network_and_counts_the_bytes_of_its_allreduce()
    {
        using var dir = new Data.TempFolder();
        var (fused, split) = (dir["fused.json"], dir["split.json"]);
        string[] common = ["bench-step", "--depth", "8", "--batch-size", "4", "--warmup", "0", "--steps", "2", "--threads", "1"];
        var (code, _, err) = CliRun.Neq([.. common, "--device", "cpu", "--frozen", "", "--json", fused]);
        Assert.True(code == 0, err);
        (code, var output, err) = CliRun.Neq([.. common, "--data-parallel", "--json", split]);
        Assert.True(code == 0, err);
        Assert.Contains("data-parallel 1 rank(s) × 1 thread(s), ResNet-8, global batch 4", output);

        using var f = JsonDocument.Parse(File.ReadAllText(fused));
        using var s = JsonDocument.Parse(File.ReadAllText(split));
        var r = s.RootElement;
        // Same network, initial values and batch: the split step's first loss is the fused step's (one rounding apart).
        Assert.Equal(f.RootElement.GetProperty("results")[0].GetProperty("firstLoss").GetDouble(), r.GetProperty("firstLoss").GetDouble(), 4);
        // One allreduce carries every parameter's gradient and [n·loss, correct, n], 4 bytes each: ResNet-8's
        // float initializers (the shortcuts' pads are int64) but the BatchNormalization statistics, counted from the network itself.
        var infer = Onnx.Architectures.CifarResNet.Build(new Onnx.Architectures.CifarResNetOptions(8, 10, 0));
        var bn = infer.Graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Input.Skip(3)).ToHashSet();
        var parameters = infer.Graph.Initializer.Where(t => t.DataType == (int)Onnx.Ir.TensorProto.Types.DataType.Float && !bn.Contains(t.Name)).Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
        Assert.Equal(4 * (parameters + 3), r.GetProperty("bytesPerAllreduce").GetInt64());
        Assert.Equal(1, r.GetProperty("ranks").GetInt32());
        Assert.Equal(0, r.GetProperty("allreduceAloneMs").GetDouble()); // one rank moves nothing
    }

    [Theory]
    [InlineData("--device", "tpu", "--device")]
    [InlineData("--frozen", "0.5,1", "--frozen")]
    [InlineData("--depth", "33", "--depth")]
    [InlineData("--steps", "0", "--steps")]
    public void Impossible_values_are_usage_errors_naming_the_flag(string flag, string value, string named)
    {
        var (code, _, err) = CliRun.Neq("bench-step", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(named, err);
        Assert.DoesNotContain("   at ", err);
    }
}
