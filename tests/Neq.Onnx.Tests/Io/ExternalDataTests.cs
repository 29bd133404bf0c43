using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using DataLocation = Neq.Onnx.Ir.TensorProto.Types.DataLocation;

namespace Neq.Onnx.Tests.Io;

public sealed class ExternalDataTests : IDisposable
{
    const long Threshold = 1024;
    const int Alignment = 4096;
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("neq-extdata-");

    public void Dispose() => _dir.Delete(recursive: true);

    string PathOf(string file) => Path.Combine(_dir.FullName, file);

    /// <summary>The MLP plus a second large tensor, so that the data file holds two aligned blocks.</summary>
    static ModelProto TwoLargeTensors()
    {
        var model = SampleModels.Mlp();
        var rng = new Random(3);
        // A large but unused initializer: ONNX Runtime ignores it, the file format must not.
        model.Graph.Initializer.Add(Tensors.Float("spare", [300], SampleModels.RandomFloats(rng, 300)));
        return model;
    }

    static Dictionary<string, string> Entries(TensorProto t) => t.ExternalData.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Large_tensors_go_to_the_data_file_at_aligned_offsets_and_load_back_bit_for_bit()
    {
        var model = TwoLargeTensors();
        var large = model.Graph.Initializer.Where(t => t.RawData.Length >= Threshold).ToDictionary(t => t.Name);
        Assert.Equal(["w1", "spare"], large.Keys);

        OnnxFile.Save(model, PathOf("model.onnx"), new SaveOptions("weights.bin", Threshold));

        // The model file is the inline model minus the moved bytes, plus a few short strings per tensor.
        long inline = OnnxFile.Serialize(model).Length;
        long moved = large.Values.Sum(t => (long)t.RawData.Length);
        Assert.InRange(new FileInfo(PathOf("model.onnx")).Length, 1, inline - moved + 100 * large.Count);

        var stored = OnnxFile.Parse(File.ReadAllBytes(PathOf("model.onnx")), "model.onnx");
        var data = File.ReadAllBytes(PathOf("weights.bin"));
        foreach (var t in stored.Graph.Initializer)
        {
            if (!large.TryGetValue(t.Name, out var original))
            {
                Assert.NotEqual(DataLocation.External, t.DataLocation); // small tensors stay inline
                continue;
            }
            Assert.Equal(DataLocation.External, t.DataLocation);
            Assert.False(t.HasRawData);
            var e = Entries(t);
            Assert.Equal("weights.bin", e["location"]);
            long offset = long.Parse(e["offset"], CultureInfo.InvariantCulture);
            long length = long.Parse(e["length"], CultureInfo.InvariantCulture);
            Assert.Equal(0, offset % Alignment);
            Assert.Equal(original.RawData.ToByteArray(), data.AsSpan((int)offset, (int)length).ToArray());
        }

        var loaded = OnnxFile.Load(PathOf("model.onnx"));
        Assert.Equal(model, loaded); // every initializer bit for bit, and no external reference left
    }

    [Fact]
    public void Onnx_runtime_loads_the_external_data_model_from_its_path_and_computes_the_same_output()
    {
        var model = SampleModels.Mlp();
        OnnxFile.Save(model, PathOf("mlp.onnx"), new SaveOptions("mlp.weights", Threshold));
        var x = SampleModels.RandomFloats(new Random(11), 2 * 16);

        var inline = Run(new InferenceSession(OnnxFile.Serialize(model)), x);
        var external = Run(new InferenceSession(PathOf("mlp.onnx")), x);

        Assert.Equal(8, inline.Length);
        Assert.Equal(inline, external);
    }

    static float[] Run(InferenceSession session, float[] x)
    {
        using (session)
        using (var input = OrtValue.CreateTensorValueFromMemory(x, [2, 16]))
        using (var options = new RunOptions())
        using (var outputs = session.Run(options, ["x"], [input], ["y"]))
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void A_missing_data_file_names_the_model_and_the_tensor()
    {
        OnnxFile.Save(SampleModels.Mlp(), PathOf("model.onnx"), new SaveOptions("weights.bin", Threshold));
        File.Delete(PathOf("weights.bin"));

        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Load(PathOf("model.onnx")));

        Assert.Contains(PathOf("model.onnx"), e.Message);
        Assert.Contains("'w1'", e.Message);
        Assert.Contains("weights.bin", e.Message);
    }

    [Fact]
    public void A_truncated_data_file_names_the_model_and_the_tensor()
    {
        OnnxFile.Save(TwoLargeTensors(), PathOf("model.onnx"), new SaveOptions("weights.bin", Threshold));
        var data = File.ReadAllBytes(PathOf("weights.bin"));
        // Cut inside the second block ("spare", at offset 4096), leaving "w1" whole.
        File.WriteAllBytes(PathOf("weights.bin"), data[..(Alignment + 10)]);

        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Load(PathOf("model.onnx")));

        Assert.Contains(PathOf("model.onnx"), e.Message);
        Assert.Contains("'spare'", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("../outside.bin", "0", "16")]
    [InlineData("/etc/passwd", "0", "16")]
    [InlineData("weights.bin", "9223372036854775807", "16")]   // offset + length overflows a long
    [InlineData("weights.bin", "0", "-5")]
    [InlineData("weights.bin", "-4096", "16")]
    [InlineData("weights.bin", "0x10", "16")]
    [InlineData("weights.bin", "0", "99999999999")]
    [InlineData("bad\0name.bin", "0", "16")]
    public void Bad_external_references_are_format_errors(string location, string offset, string length)
    {
        File.WriteAllBytes(PathOf("weights.bin"), new byte[64]);
        var model = SampleModels.Mlp();
        var w = model.Graph.Initializer.Single(t => t.Name == "w1");
        w.ClearRawData();
        w.DataLocation = DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length });
        File.WriteAllBytes(PathOf("model.onnx"), OnnxFile.Serialize(model));

        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Load(PathOf("model.onnx")));

        Assert.Contains(PathOf("model.onnx"), e.Message);
        Assert.Contains("'w1'", e.Message);
    }

    [Fact]
    public void Corrupting_any_byte_of_a_model_with_external_data_never_escapes_as_another_exception()
    {
        OnnxFile.Save(SampleModels.Mlp(), PathOf("model.onnx"), new SaveOptions("weights.bin", Threshold));
        var bytes = File.ReadAllBytes(PathOf("model.onnx"));
        var rng = new Random(5);
        var corrupt = PathOf("corrupt.onnx");
        for (int i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] = (byte)(copy[i] ^ (1 + rng.Next(255)));
            File.WriteAllBytes(corrupt, copy);
            try { OnnxFile.Load(corrupt); }
            catch (OnnxFormatException e) { Assert.Contains(corrupt, e.Message); }
            catch (Exception e) { Assert.Fail($"byte {i}: {e.GetType().Name}: {e.Message}"); }
        }
    }

    [Fact]
    public void An_absolute_external_data_file_is_refused_when_saving()
    {
        Assert.Throws<ArgumentException>(() =>
            OnnxFile.Save(SampleModels.Mlp(), PathOf("model.onnx"), new SaveOptions(PathOf("abs.bin"), Threshold)));
    }

    [Fact]
    public void A_data_file_in_a_subfolder_is_created_and_read_back()
    {
        var model = SampleModels.Mlp();
        OnnxFile.Save(model, PathOf("model.onnx"), new SaveOptions("data/weights.bin", Threshold));

        Assert.True(File.Exists(PathOf("data/weights.bin")));
        Assert.Equal(model, OnnxFile.Load(PathOf("model.onnx")));
    }
}
