using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Checking;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;
using Neq.Onnx.Shapes;
using Neq.Onnx.Tests.Io;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Tests.Checking;

/// <summary>
/// One small graph per defect. Where ONNX Runtime's verdict is meaningful it is asked too: the
/// checker must agree with the runtime it protects.
/// </summary>
public sealed class GraphCheckerTests
{
    static readonly TensorType Vec3 = TensorType.Of(DataType.Float, 3);

    static NodeProto Node(string op, string name, string[] inputs, string[] outputs, string domain = "")
    {
        var n = new NodeProto { OpType = op, Name = name };
        if (domain.Length > 0) n.Domain = domain;
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    /// <summary>A model with float[3] inputs and outputs of the given names, nodes in the given order.</summary>
    static ModelProto Model(string[] inputs, string[] outputs, NodeProto[] nodes, long opset = 17)
    {
        var g = new GraphProto { Name = "g" };
        g.Input.AddRange(inputs.Select(Vec3.ToValueInfo));
        g.Output.AddRange(outputs.Select(Vec3.ToValueInfo));
        g.Node.AddRange(nodes);
        return OnnxModel.Create(g, opset);
    }

    static CheckIssue Single(ModelProto model, string code)
    {
        var issues = GraphChecker.Check(model);
        Assert.True(issues.Count == 1, "expected one issue, got: " + string.Join("; ", issues));
        Assert.Equal(code, issues[0].Code);
        return issues[0];
    }

    static bool OrtAccepts(ModelProto model)
    {
        try
        {
            using var session = new InferenceSession(OnnxFile.Serialize(model));
            return true;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    static float[] RunOrt(ModelProto model, params (string Name, float[] Data)[] inputs)
    {
        using var session = new InferenceSession(OnnxFile.Serialize(model));
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, [i.Data.Length])).ToArray();
        try
        {
            using var options = new RunOptions();
            using var outputs = session.Run(options, inputs.Select(i => i.Name).ToArray(), values, [session.OutputNames[0]]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("convnet")]
    [InlineData("subgraph")]
    [InlineData("function")]
    public void Valid_models_have_no_issues_and_load_in_onnx_runtime(string sample)
    {
        var model = sample switch
        {
            "mlp" => SampleModels.Mlp(),
            "convnet" => SampleModels.ConvNet(),
            "subgraph" => SampleModels.WithSubgraph(),
            _ => SampleModels.WithFunction(),
        };
        Assert.Empty(GraphChecker.Check(model));
        GraphChecker.ThrowIfInvalid(model, sample);
        Assert.True(OrtAccepts(model));
    }

    [Fact]
    public void Dangling_input_names_the_node_and_the_value()
    {
        var model = Model(["x"], ["y"], [Node("Add", "add_ghost", ["x", "ghost"], ["y"])]);

        var issue = Single(model, CheckCodes.DanglingInput);

        Assert.Equal(CheckSeverity.Error, issue.Severity);
        Assert.Equal("add_ghost", issue.NodeName);
        Assert.Contains("'add_ghost'", issue.Message);
        Assert.Contains("'ghost'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void Unnamed_nodes_are_named_by_index_and_operator()
    {
        var model = Model(["x"], ["y"], [Node("Relu", "", ["x"], ["r"]), Node("Add", "", ["r", "ghost"], ["y"])]);

        var issue = Single(model, CheckCodes.DanglingInput);

        Assert.Equal("node #1 (Add)", issue.NodeName);
        Assert.StartsWith("node #1 (Add) reads 'ghost'", issue.Message);
    }

    [Fact]
    public void An_omitted_optional_input_is_fine()
    {
        // Clip(x, min omitted, max): y = min(x, 0.5).
        var model = Model(["x"], ["y"], [Node("Clip", "clip", ["x", "", "hi"], ["y"])]);
        model.Graph.Initializer.Add(Tensors.FloatScalar("hi", 0.5f));

        Assert.Empty(GraphChecker.Check(model));
        Assert.Equal([-1f, 0.5f, 0.5f], RunOrt(model, ("x", [-1f, 0.5f, 2f])));
    }

    [Fact]
    public void Two_nodes_producing_one_value_is_a_duplicate_output()
    {
        var model = Model(["x"], ["y"], [Node("Relu", "first", ["x"], ["y"]), Node("Neg", "second", ["x"], ["y"])]);

        var issue = Single(model, CheckCodes.DuplicateOutput);

        Assert.Equal("second", issue.NodeName);
        Assert.Contains("'second'", issue.Message);
        Assert.Contains("'first'", issue.Message);
        Assert.Contains("'y'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void A_node_output_named_like_an_initializer_is_a_duplicate_output()
    {
        var model = Model(["x"], ["y"], [Node("Relu", "relu", ["x"], ["w"]), Node("Add", "add", ["w", "x"], ["y"])]);
        model.Graph.Initializer.Add(Tensors.Float("w", [3], [1f, 2f, 3f]));

        var issue = Single(model, CheckCodes.DuplicateOutput);

        Assert.Equal("relu", issue.NodeName);
        Assert.Contains("initializer", issue.Message);
    }

    [Fact]
    public void An_initializer_that_defaults_a_graph_input_is_not_a_duplicate()
    {
        var model = Model(["x", "bias"], ["y"], [Node("Add", "add", ["x", "bias"], ["y"])]);
        model.Graph.Initializer.Add(Tensors.Float("bias", [3], [1f, 2f, 3f]));

        Assert.Empty(GraphChecker.Check(model));
        Assert.Equal([1f, 2f, 3f], RunOrt(model, ("x", [0f, 0f, 0f])));
    }

    [Fact]
    public void A_cycle_names_every_node_on_it_and_is_not_also_an_ordering_error()
    {
        var model = Model(["x"], ["y"],
        [
            Node("Add", "a", ["x", "c_out"], ["a_out"]),
            Node("Relu", "b", ["a_out"], ["b_out"]),
            Node("Neg", "c", ["b_out"], ["c_out"]),
            Node("Identity", "out", ["b_out"], ["y"]),
        ]);

        var issue = Single(model, CheckCodes.Cycle);

        Assert.Equal("a", issue.NodeName);
        Assert.Contains("node 'a' (Add) → node 'b' (Relu) → node 'c' (Neg) → node 'a' (Add)", issue.Message);
        Assert.DoesNotContain("'out'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void A_node_reading_its_own_output_is_a_cycle()
    {
        var model = Model(["x"], ["y"], [Node("Add", "loop", ["x", "y"], ["y"])]);

        var issue = Single(model, CheckCodes.Cycle);

        Assert.Contains("node 'loop' (Add) → node 'loop' (Add)", issue.Message);
    }

    [Fact]
    public void Use_before_definition_without_a_cycle_is_an_ordering_error()
    {
        var model = Model(["x"], ["y"], [Node("Neg", "late", ["r"], ["y"]), Node("Relu", "early", ["x"], ["r"])]);

        var issue = Single(model, CheckCodes.NotTopologicallySorted);

        Assert.Equal("late", issue.NodeName);
        Assert.Contains("'late'", issue.Message);
        Assert.Contains("'early'", issue.Message);
        Assert.Contains("'r'", issue.Message);
    }

    [Fact]
    public void A_graph_output_that_nothing_produces_is_reported()
    {
        var model = Model(["x"], ["y", "z"], [Node("Relu", "relu", ["x"], ["y"])]);

        var issue = Single(model, CheckCodes.UndefinedGraphOutput);

        Assert.Null(issue.NodeName);
        Assert.Contains("'z'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void A_graph_without_outputs_is_reported()
    {
        var model = Model(["x"], [], [Node("Relu", "relu", ["x"], ["y"])]);

        Single(model, CheckCodes.NoOutputs);
    }

    [Fact]
    public void A_domain_missing_from_opset_import_is_reported_for_the_node()
    {
        var model = SampleModels.WithFunction();
        model.OpsetImport.RemoveAt(1); // drops the import of the function's domain

        var issue = Single(model, CheckCodes.MissingOpsetImport);

        Assert.Equal("DoubleRelu", issue.NodeName);
        Assert.Contains(SampleModels.FunctionDomain, issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void The_ai_onnx_domain_is_the_default_domain()
    {
        var model = Model(["x"], ["y"], [Node("Relu", "relu", ["x"], ["y"], domain: "ai.onnx")]);

        Assert.Empty(GraphChecker.Check(model));
        Assert.True(OrtAccepts(model));
    }

    [Fact]
    public void An_unknown_standard_operator_is_reported()
    {
        var model = Model(["x"], ["y"], [Node("Relu6", "clamp", ["x"], ["y"])]);

        var issue = Single(model, CheckCodes.UnknownOperator);

        Assert.Equal("clamp", issue.NodeName);
        Assert.Contains("'Relu6'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void An_operator_of_a_custom_domain_without_a_function_is_unknown()
    {
        var model = Model(["x"], ["y"], [Node("Frobnicate", "frob", ["x"], ["y"], domain: "acme")]);
        model.ImportOpset("acme", 1);

        var issue = Single(model, CheckCodes.UnknownOperator);

        Assert.Contains("acme::Frobnicate", issue.Message);
        Assert.Contains("'frob'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void A_contrib_operator_is_only_a_warning()
    {
        var model = Model(["x"], ["y"], [Node("FastGelu", "gelu", ["x"], ["y"], domain: "com.microsoft")]);
        model.ImportOpset("com.microsoft", 1);

        var issue = Single(model, CheckCodes.ContribOperator);

        Assert.Equal(CheckSeverity.Warning, issue.Severity);
        GraphChecker.ThrowIfInvalid(model, "contrib.onnx"); // warnings do not throw
        Assert.True(OrtAccepts(model)); // the CPU build has this contrib op
    }

    [Fact]
    public void An_operator_newer_than_the_imported_opset_is_reported_with_both_versions()
    {
        var model = Model(["x"], ["y"], [Node("Gelu", "gelu", ["x"], ["y"])], opset: 17);

        var issue = Single(model, CheckCodes.OperatorTooNew);

        Assert.Equal("gelu", issue.NodeName);
        Assert.Contains("version 20", issue.Message);
        Assert.Contains("version 17", issue.Message);
    }

    /// <summary>
    /// The table's introduction versions, confirmed by ONNX Runtime: one opset before the
    /// introduction it must reject the op, at the introduction it must load it.
    /// </summary>
    [Theory]
    [InlineData("Gelu")]
    [InlineData("Mish")]
    [InlineData("HardSwish")]
    [InlineData("Celu")]
    [InlineData("Erf")]
    [InlineData("Sign")]
    public void Introduction_versions_agree_with_onnx_runtime(string op)
    {
        int since = StandardOperators.SinceVersion("", op)!.Value;
        var before = Model(["x"], ["y"], [Node(op, "n", ["x"], ["y"])], opset: since - 1);
        var at = Model(["x"], ["y"], [Node(op, "n", ["x"], ["y"])], opset: since);

        Single(before, CheckCodes.OperatorTooNew);
        Assert.Empty(GraphChecker.Check(at));
        Assert.False(OrtAccepts(before));
        Assert.True(OrtAccepts(at));
    }

    [Fact]
    public void A_deprecated_operator_is_a_warning()
    {
        var model = Model(["x", "scales"], ["y"], [Node("Upsample", "up", ["x", "scales"], ["y"])], opset: 10);

        var issue = Single(model, CheckCodes.DeprecatedOperator);

        Assert.Equal(CheckSeverity.Warning, issue.Severity);
        Assert.Contains("'up'", issue.Message);
    }

    [Fact]
    public void An_operator_defined_by_a_model_function_is_accepted_and_runs()
    {
        var model = SampleModels.WithFunction();

        Assert.Empty(GraphChecker.Check(model));
        // DoubleRelu(x) = 2·max(x, 0), by hand.
        Assert.Equal([0f, 0f, 1f, 5f], RunOrt(model, ("x", [-2f, 0f, 0.5f, 2.5f])));
    }

    [Fact]
    public void A_defect_inside_a_function_body_names_the_function_and_the_node()
    {
        var model = SampleModels.WithFunction();
        model.Functions[0].Node[1].Input[1] = "Q"; // not a function input, not produced

        var issue = Single(model, CheckCodes.DanglingInput);

        Assert.Equal("function neq.test::DoubleRelu/twice", issue.NodeName);
        Assert.Contains("'Q'", issue.Message);
    }

    [Fact]
    public void Function_bodies_cannot_see_the_main_graph()
    {
        var model = SampleModels.WithFunction();
        model.Functions[0].Node[1].Input[1] = "x"; // a main-graph input, invisible in the function

        Assert.Equal("function neq.test::DoubleRelu/twice", Single(model, CheckCodes.DanglingInput).NodeName);
    }

    [Fact]
    public void A_subgraph_may_read_values_of_the_enclosing_graph()
    {
        var model = SampleModels.WithSubgraph();

        Assert.Empty(GraphChecker.Check(model));
        // cond = false takes the else branch: x − 1.5, by hand.
        using var session = new InferenceSession(OnnxFile.Serialize(model));
        using var x = OrtValue.CreateTensorValueFromMemory(new[] { 1f, 2f, 3f }, [3]);
        using var cond = OrtValue.CreateTensorValueFromMemory(new[] { false }, []);
        using var options = new RunOptions();
        using var outputs = session.Run(options, ["x", "cond"], [x, cond], ["y"]);
        Assert.Equal([-0.5f, 0.5f, 1.5f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void A_dangling_read_in_a_subgraph_names_the_subgraph_node()
    {
        var model = SampleModels.WithSubgraph();
        var thenBranch = model.Graph.Node[0].Attribute.Single(a => a.Name == "then_branch").G;
        thenBranch.Node[0].Input[1] = "nowhere";

        var issue = Single(model, CheckCodes.DanglingInput);

        Assert.Equal("If/then_branch/Add", issue.NodeName);
        Assert.Contains("'nowhere'", issue.Message);
        Assert.False(OrtAccepts(model));
    }

    [Fact]
    public void A_subgraph_reading_a_value_produced_after_its_node_makes_the_order_invalid()
    {
        // If reads "late" through its then-branch; "late" is produced by a node after the If.
        var model = SampleModels.WithSubgraph();
        var thenBranch = model.Graph.Node[0].Attribute.Single(a => a.Name == "then_branch").G;
        thenBranch.Node[0].Input[1] = "late";
        model.Graph.Node.Add(Node("Relu", "producer", ["x"], ["late"]));

        var issue = Single(model, CheckCodes.NotTopologicallySorted);

        Assert.Equal("If", issue.NodeName);
        Assert.Contains("'producer'", issue.Message);
    }

    [Fact]
    public void A_subgraph_redefining_an_outer_value_is_a_duplicate_output()
    {
        var model = SampleModels.WithSubgraph();
        var thenBranch = model.Graph.Node[0].Attribute.Single(a => a.Name == "then_branch").G;
        thenBranch.Node[0].Output[0] = "x";
        thenBranch.Output[0].Name = "x";

        var issue = Single(model, CheckCodes.DuplicateOutput);

        Assert.Equal("If/then_branch/Add", issue.NodeName);
    }

    [Fact]
    public void ThrowIfInvalid_lists_the_first_errors_with_source_and_node()
    {
        var nodes = Enumerable.Range(0, 7).Select(i => Node("Relu", $"r{i}", [$"ghost{i}"], [$"o{i}"])).ToList();
        nodes.Add(Node("Identity", "out", ["x"], ["y"]));
        var model = Model(["x"], ["y"], [.. nodes]);

        var e = Assert.Throws<OnnxFormatException>(() => GraphChecker.ThrowIfInvalid(model, "bad.onnx"));

        var lines = e.Message.Split('\n');
        Assert.StartsWith("bad.onnx: the ONNX graph is not valid (7 errors)", lines[0]);
        for (int i = 0; i < 5; i++)
            Assert.Equal($"  bad.onnx: node 'r{i}' (Relu) reads 'ghost{i}', which is not a graph input, an initializer or the output of any node.", lines[i + 1]);
        Assert.Equal("  … and 2 more.", lines[6]);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public void Empty_operator_types_and_missing_graphs_are_reported()
    {
        var model = Model(["x"], ["y"], [Node("", "blank", ["x"], ["y"])]);
        Assert.Equal("blank", Single(model, CheckCodes.EmptyOpType).NodeName);

        Single(new ModelProto { IrVersion = 8 }, CheckCodes.NoGraph);
    }

    [Fact]
    public void The_operator_table_has_the_standard_domains_and_unique_names()
    {
        Assert.True(StandardOperators.IsStandardDomain("ai.onnx"));
        Assert.True(StandardOperators.IsStandardDomain("ai.onnx.ml"));
        Assert.True(StandardOperators.IsStandardDomain("ai.onnx.preview.training"));
        Assert.False(StandardOperators.IsStandardDomain("com.microsoft"));
        Assert.Contains("TreeEnsembleClassifier", StandardOperators.Operators("ai.onnx.ml"));
        Assert.Contains("Adam", StandardOperators.Operators("ai.onnx.preview.training"));
        Assert.Equal(StandardOperators.SinceVersion("", "Conv"), StandardOperators.SinceVersion("ai.onnx", "Conv"));
        Assert.Null(StandardOperators.SinceVersion("", "FastGelu"));
    }
}
