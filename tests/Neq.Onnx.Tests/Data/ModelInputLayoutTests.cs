using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using Neq.Onnx.Graphs;
using Neq.Onnx.Shapes;
using Neq.Onnx.Training;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Data;

/// <summary>
/// The input layout read from the graph: tf2onnx's Keras pattern (NHWC input → Transpose [0,3,1,2]
/// → Conv) is channels-last and a Conv reading the input is channels-first, where the shape alone
/// cannot tell (symbolic H and W) or would guess wrong ([N,3,3,3], [N,8,8,3]).
/// </summary>
public sealed class ModelInputLayoutTests
{
    /// <summary>x of <paramref name="shape"/> → [Cast →] (Transpose [0,3,1,2] when <paramref name="nhwc"/>) → Conv 3→2 1×1 → GlobalAveragePool → Flatten → y [N,2].</summary>
    static Ir.ModelProto Net(Dim[] shape, bool nhwc, bool cast = false)
    {
        var b = new GraphBuilder("layout");
        var x = b.AddInput("x", new TensorType(DataType.Float, shape));
        if (cast) x = b.Op("Cast", [x], [Attr.Int("to", (long)DataType.Float)], name: "cast");
        if (nhwc) x = b.Op("Transpose", [x], [Attr.Ints("perm", 0, 3, 1, 2)], name: "to_nchw");
        var w = b.AddInitializer(Tensors.Float("conv.weight", [2, 3, 1, 1], [0.5f, -0.25f, 0.1f, 0.3f, 0.2f, -0.4f]));
        var y = b.Op("Conv", [x, w], [Attr.Ints("kernel_shape", 1, 1)], name: "conv");
        y = b.Op("Flatten", [b.Op("GlobalAveragePool", [y], name: "gap")], name: "flatten", output: "y");
        b.AddOutput(y, new TensorType(DataType.Float, [Dim.Sym("N"), 2]));
        return OnnxModel.Create(b.Graph);
    }

    public static TheoryData<string, Dim[], bool, bool, InputLayout, InputLayout> Cases() => new()
    {
        // name, shape, NHWC pattern, through a Cast, layout from the shape alone, layout from the graph
        { "Keras NHWC, symbolic H and W", [Dim.Sym("N"), Dim.Sym("H"), Dim.Sym("W"), 3], true, false, InputLayout.ChannelsFirst, InputLayout.ChannelsLast },
        { "Keras NHWC [N,3,3,3]", [Dim.Sym("N"), 3, 3, 3], true, false, InputLayout.ChannelsFirst, InputLayout.ChannelsLast },
        { "Keras NHWC through a Cast", [Dim.Sym("N"), Dim.Sym("H"), Dim.Sym("W"), 3], true, true, InputLayout.ChannelsFirst, InputLayout.ChannelsLast },
        { "NCHW [N,3,8,8]", [Dim.Sym("N"), 3, 8, 8], false, false, InputLayout.ChannelsFirst, InputLayout.ChannelsFirst },
        { "Keras NHWC [N,8,8,3] (the shape agrees)", [Dim.Sym("N"), 8, 8, 3], true, false, InputLayout.ChannelsLast, InputLayout.ChannelsLast },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_graph_decides_the_layout_where_it_shows_it(string name, Dim[] shape, bool nhwc, bool cast, InputLayout byShape, InputLayout byGraph)
    {
        var model = Net(shape, nhwc, cast);
        var dims = shape.Select(d => d.Value ?? -1).ToArray();
        Assert.Equal(byShape, ModelInput.Of("x", dims).Layout);
        Assert.Equal(byGraph, ModelInput.Of("x", dims, model.Graph).Layout);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void The_trainer_reads_the_layout_from_infer_onnx()
    {
        // Conv gradients need fixed spatial sizes: [N,3,3,3], which the shape alone takes for NCHW.
        var set = TrainingArtifacts.Build(Net([Dim.Sym("N"), 3, 3, 3], nhwc: true), new ArtifactOptions(new OptimizerOptions()));
        Assert.Equal(InputLayout.ChannelsFirst, NeqTrainer.InputOf(set.Manifest).Layout);
        Assert.Equal(InputLayout.ChannelsLast, NeqTrainer.InputOf(set).Layout);
    }
}
