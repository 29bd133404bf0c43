using Neq.Onnx.Ir;

namespace Neq.Onnx.Graphs;

/// <summary>Wraps graphs into models with the project's defaults.</summary>
public static class OnnxModel
{
    /// <summary>IR version the project writes (ONNX Runtime 1.31 reads up to 11).</summary>
    public const long DefaultIrVersion = 8;

    /// <summary>Default ONNX operator set version the project writes.</summary>
    public const long DefaultOpset = 17;

    /// <summary>Producer name written into generated models.</summary>
    public const string Producer = "neq-onnx";

    /// <summary>A model holding <paramref name="graph"/>, importing the default domain at <paramref name="opset"/>.</summary>
    public static ModelProto Create(GraphProto graph, long opset = DefaultOpset, long irVersion = DefaultIrVersion)
    {
        var model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = Producer,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>The version of <paramref name="domain"/> the model imports, or null.</summary>
    public static long? OpsetOf(this ModelProto model, string domain = "")
    {
        foreach (var o in model.OpsetImport)
            if (o.Domain == domain || (domain.Length == 0 && o.Domain == "ai.onnx")) return o.Version;
        return null;
    }

    /// <summary>Imports <paramref name="domain"/> at <paramref name="version"/> unless already imported.</summary>
    public static void ImportOpset(this ModelProto model, string domain, long version)
    {
        if (model.OpsetOf(domain) is null)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
    }
}
