using Google.Protobuf;
using Neq.Onnx.Checking;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using WireType = Google.Protobuf.WireFormat.WireType;

namespace Neq.Onnx.Tests.Io;

public sealed class OnnxFileRoundTripTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("neq-roundtrip-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string> Samples => new(SampleModels.Names);

    static ModelProto Sample(string name) => SampleModels.ByName(name);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Parse_then_serialize_gives_the_same_bytes(string sample)
    {
        var model = Sample(sample);
        var bytes = OnnxFile.Serialize(model);

        var parsed = OnnxFile.Parse(bytes, sample);

        Assert.Equal(model, parsed);
        Assert.Equal(bytes, OnnxFile.Serialize(parsed));
        Assert.Empty(GraphChecker.Check(parsed));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Save_then_load_gives_the_same_model_and_file_bytes(string sample)
    {
        var model = Sample(sample);
        var path = Path.Combine(_dir.FullName, sample + ".onnx");

        OnnxFile.Save(model, path);
        var loaded = OnnxFile.Load(path);

        Assert.Equal(OnnxFile.Serialize(model), File.ReadAllBytes(path));
        Assert.Equal(model, loaded);
        Assert.Empty(Directory.GetFiles(_dir.FullName, "*.tmp-*")); // the atomic write cleaned up
    }

    [Fact]
    public void Building_the_same_graph_twice_gives_identical_bytes()
    {
        Assert.Equal(OnnxFile.Serialize(SampleModels.ConvNet()), OnnxFile.Serialize(SampleModels.ConvNet()));
    }

    [Fact]
    public void Unknown_fields_on_the_model_and_inside_a_node_survive_byte_for_byte()
    {
        // A field number ONNX does not define (99), as a newer producer might write, appended
        // after the known fields of a NodeProto and of the ModelProto.
        var node = new NodeProto { OpType = "Relu", Name = "relu", Input = { "x" }, Output = { "y" } };
        var nodeBytes = Concat(node.ToByteArray(), UnknownVarint(99, 4242));
        var graphRest = new GraphProto { Name = "hand" };
        graphRest.Input.Add(new ValueInfoProto { Name = "x" });
        graphRest.Output.Add(new ValueInfoProto { Name = "y" });
        // node is field 1 of GraphProto, so writing it first keeps the canonical field order.
        var graphBytes = Concat(LengthDelimited(1, nodeBytes), graphRest.ToByteArray());
        var opset = new OperatorSetIdProto { Domain = "", Version = 17 };

        var model = new MemoryStream();
        using (var o = new CodedOutputStream(model, leaveOpen: true))
        {
            o.WriteTag(1, WireType.Varint); o.WriteInt64(8);                        // ir_version
            o.WriteTag(2, WireType.LengthDelimited); o.WriteString("hand-written"); // producer_name
            o.WriteTag(7, WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(graphBytes));
            o.WriteTag(8, WireType.LengthDelimited); o.WriteBytes(opset.ToByteString());
            o.WriteTag(99, WireType.Varint); o.WriteUInt64(12345);
        }
        var bytes = model.ToArray();

        var parsed = OnnxFile.Parse(bytes, "hand-written.onnx");
        var again = OnnxFile.Serialize(parsed);

        Assert.Equal(bytes, again);
        Assert.Equal("relu", parsed.Graph.Node[0].Name);
        Assert.Equal(8, parsed.IrVersion);
        Assert.EndsWith(Hex(UnknownVarint(99, 12345)), Hex(again));
        Assert.EndsWith(Hex(UnknownVarint(99, 4242)), Hex(parsed.Graph.Node[0].ToByteArray()));
        Assert.Empty(GraphChecker.Check(parsed));
    }

    static byte[] UnknownVarint(int field, ulong value)
    {
        var ms = new MemoryStream();
        using (var o = new CodedOutputStream(ms, leaveOpen: true)) { o.WriteTag(field, WireType.Varint); o.WriteUInt64(value); }
        return ms.ToArray();
    }

    static byte[] LengthDelimited(int field, byte[] payload)
    {
        var ms = new MemoryStream();
        using (var o = new CodedOutputStream(ms, leaveOpen: true))
        {
            o.WriteTag(field, WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(payload));
        }
        return ms.ToArray();
    }

    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    [Fact]
    public void Loading_a_file_that_does_not_exist_names_it()
    {
        var path = Path.Combine(_dir.FullName, "missing.onnx");
        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void An_empty_file_is_not_a_model()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxFile.Parse([], "empty.onnx"));
        Assert.Contains("empty.onnx", e.Message);
    }
}
