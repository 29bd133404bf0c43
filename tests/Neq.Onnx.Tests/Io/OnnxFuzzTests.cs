using Google.Protobuf;
using Neq.Onnx.Checking;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Tests.Io;

/// <summary>
/// Damaged input must end in an <see cref="OnnxFormatException"/> that names its source (or be
/// accepted), never in another exception; a truncated model must never pass as valid unless it
/// still means the same.
/// </summary>
public sealed class OnnxFuzzTests
{
    const string Source = "fuzzed.onnx";

    public static TheoryData<string> Samples => new(SampleModels.Names);

    static ModelProto Sample(string name) => SampleModels.ByName(name);

    /// <summary>Parse + check; fails the test on any exception other than a well-formed OnnxFormatException.</summary>
    static void ParseAndCheck(byte[] bytes, string what)
    {
        try
        {
            var model = OnnxFile.Parse(bytes, Source);
            GraphChecker.ThrowIfInvalid(model, Source);
        }
        catch (OnnxFormatException e)
        {
            Assert.True(e.Message.Contains(Source, StringComparison.Ordinal), $"{what}: message does not name the source: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().FullName}: {e.Message}");
        }
    }

    [Fact]
    public void Random_bytes_are_rejected_as_format_errors()
    {
        var rng = new Random(20240611);
        for (int k = 0; k < 400; k++)
        {
            int length = k < 100 ? rng.Next(0, 8) : k < 250 ? rng.Next(8, 200) : rng.Next(200, 5000);
            var bytes = new byte[length];
            rng.NextBytes(bytes);
            ParseAndCheck(bytes, $"random array #{k} ({length} bytes)");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_valid_prefix_with_a_random_tail_is_a_format_error_or_accepted(string sample)
    {
        var valid = OnnxFile.Serialize(Sample(sample));
        var rng = new Random(sample.Length);
        for (int k = 0; k < 200; k++)
        {
            int cut = rng.Next(0, valid.Length);
            var bytes = new byte[cut + rng.Next(1, 64)];
            valid.AsSpan(0, cut).CopyTo(bytes);
            rng.NextBytes(bytes.AsSpan(cut));
            ParseAndCheck(bytes, $"{sample}: prefix of {cut} bytes + random tail");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Truncated_models_are_rejected_unless_they_still_mean_the_same(string sample)
    {
        var original = Sample(sample);
        var valid = OnnxFile.Serialize(original);
        var cuts = new SortedSet<int>(Enumerable.Range(1, 50).Where(k => k < valid.Length));
        for (int k = 97; k < valid.Length; k += 97) cuts.Add(k);
        // Cuts between top-level fields leave well-formed protobuf: the interesting cases.
        cuts.UnionWith(TopLevelFieldEnds(valid).Where(k => k < valid.Length));
        cuts.Add(0);

        int accepted = 0;
        foreach (var k in cuts)
        {
            var what = $"{sample}: truncated to {k} of {valid.Length} bytes";
            var prefix = valid[..k];
            ParseAndCheck(prefix, what);
            ModelProto parsed;
            try { parsed = OnnxFile.Parse(prefix, Source); }
            catch (OnnxFormatException) { continue; }
            if (GraphChecker.Check(parsed).Any(i => i.Severity == CheckSeverity.Error)) continue;
            accepted++;
            Assert.True(original.Equals(parsed), $"{what}: accepted as a valid model, but it differs from the original.");
        }
        Assert.Equal(0, accepted); // in these samples every top-level field matters
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_single_byte_corruption_is_a_format_error_or_accepted(string sample)
    {
        var valid = OnnxFile.Serialize(Sample(sample));
        var rng = new Random(97 * sample.Length);
        for (int i = 0; i < valid.Length; i++)
        {
            foreach (var value in new[] { (byte)(valid[i] ^ (1 + rng.Next(255))), (byte)0xFF, (byte)0x00 })
            {
                if (value == valid[i]) continue;
                var bytes = (byte[])valid.Clone();
                bytes[i] = value;
                ParseAndCheck(bytes, $"{sample}: byte {i} set to 0x{value:X2}");
            }
        }
    }

    [Fact]
    public void Truncation_between_the_graph_and_the_opset_imports_is_caught()
    {
        // Protobuf writes fields in number order: graph (7) before opset_import (8); a file cut
        // right after the graph parses, and only the missing import tells that it is damaged.
        var valid = OnnxFile.Serialize(SampleModels.Mlp());
        var ends = TopLevelFieldEnds(valid);
        var afterGraph = ends[^2]; // the last field is the single opset import

        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Parse(valid[..afterGraph], Source));

        Assert.Contains(Source, e.Message);
        Assert.Contains("operator set", e.Message);
    }

    /// <summary>Byte offsets at which each top-level field of a serialized message ends.</summary>
    static List<int> TopLevelFieldEnds(byte[] bytes)
    {
        var ends = new List<int>();
        var input = new CodedInputStream(bytes);
        while (!input.IsAtEnd)
        {
            input.ReadTag();
            input.SkipLastField();
            ends.Add((int)input.Position);
        }
        return ends;
    }
}
