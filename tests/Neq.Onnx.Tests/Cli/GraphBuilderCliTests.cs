using Neq.CommandLine;
using Neq.GraphBuilderTool;

namespace Neq.Onnx.Tests.Cli;

public sealed class GraphBuilderCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("neq-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRun.GraphBuilder(args);

    static void AssertOneErrorLineNaming(string error, string path)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(path, line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("resnet", "--help")]
    [InlineData("inspect", "--help")]
    public void Help_exits_zero_and_describes_usage(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(CliHost.Ok, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("resnet", "--bogus", "-o", "x.onnx")]
    [InlineData("resnet", "--depth", "33", "-o", "x.onnx")]
    [InlineData("resnet", "--depth", "deep", "-o", "x.onnx")]
    [InlineData("resnet")]
    [InlineData("inspect")]
    [InlineData("frobnicate")]
    [InlineData]
    public void Usage_errors_exit_two_with_a_hint(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(CliHost.Usage, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Resnet_writes_the_checked_in_model_byte_for_byte()
    {
        var path = Path.Combine(_dir, "r32.onnx");
        var (code, output, error) = Run("resnet", "--depth", "32", "--classes", "10", "-o", path);
        Assert.Equal((CliHost.Ok, ""), (code, error));
        Assert.Contains(path, output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(RepoPaths.ResNet32Model), File.ReadAllBytes(path));
    }

    [Fact]
    public void Inspect_shows_the_resnet32_summary()
    {
        var (code, output, error) = Run("inspect", RepoPaths.ResNet32Model);
        Assert.Equal((CliHost.Ok, ""), (code, error));
        // Conv MACs per sample, derived by hand in ModelSummaryTests; parameters in CifarResNetTests.
        Assert.Contains("Conv 68,861,952", output, StringComparison.Ordinal);
        Assert.Contains("442,368", output, StringComparison.Ordinal);
        Assert.Contains("parameters 464,154", output, StringComparison.Ordinal);
        Assert.Contains("float[N,3,32,32]", output, StringComparison.Ordinal);
        Assert.Contains("ai.onnx 17", output, StringComparison.Ordinal);
        Assert.Contains("layer3.4.conv2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_of_a_missing_file_exits_one_naming_it()
    {
        var path = Path.Combine(_dir, "absent.onnx");
        var (code, _, error) = Run("inspect", path);
        Assert.Equal(CliHost.Error, code);
        AssertOneErrorLineNaming(error, path);
    }

    public static TheoryData<string, byte[]> BadFiles()
    {
        var model = File.ReadAllBytes(RepoPaths.ResNet32Model);
        var corrupt = (byte[])model.Clone();
        for (int i = 100; i < 400; i++) corrupt[i] = 0xFF; // inside the graph message
        return new()
        {
            { "truncated.onnx", model[..(model.Length / 2)] },
            { "corrupt.onnx", corrupt },
            { "text.onnx", "this is not an ONNX model\n"u8.ToArray() },
            { "empty.onnx", [] },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Inspect_of_a_bad_file_exits_one_with_one_line_naming_it(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        var (code, output, error) = Run("inspect", path);
        Assert.Equal(CliHost.Error, code);
        Assert.Equal("", output);
        AssertOneErrorLineNaming(error, path);
    }

    [Fact]
    public void Resnet_to_an_unwritable_output_exits_one()
    {
        var blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "");
        var path = Path.Combine(blocker, "model.onnx"); // a directory that is a file
        var (code, _, error) = Run("resnet", "--depth", "20", "-o", path);
        Assert.Equal(CliHost.Error, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
