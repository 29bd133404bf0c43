using Neq.Onnx.Ir;

namespace Neq.Onnx.Graphs;

/// <summary>
/// The project's operator domain. Its operators are ONNX functions (FunctionProto) carried inside
/// the model, whose bodies use only standard operators: any ONNX Runtime build and execution
/// provider runs them, inlining the body (ONNX Runtime 1.31 substitutes attribute references,
/// <c>ref_attr_name</c>, while inlining; a function body must import the model's own
/// default-domain opset).
/// </summary>
public static class NeqDomain
{
    /// <summary>The domain name nodes of project operators carry.</summary>
    public const string Name = "ai.neq";

    /// <summary>The domain's version, imported by every model that uses a project operator.</summary>
    public const long Version = 1;

    /// <summary>Model-local functions need IR version 8 or later.</summary>
    const long FunctionsIrVersion = 8;

    /// <summary>
    /// Makes <paramref name="opType"/> available in <paramref name="model"/>: imports the domain
    /// and adds the function built by <paramref name="define"/> unless the model already has one
    /// of that name, which is returned instead (a function is defined once per model).
    /// </summary>
    public static FunctionProto AddFunction(ModelProto model, string opType, Func<FunctionProto> define)
    {
        model.ImportOpset(Name, Version);
        if (model.IrVersion < FunctionsIrVersion) model.IrVersion = FunctionsIrVersion;
        foreach (var existing in model.Functions)
            if (existing.Domain == Name && existing.Name == opType) return existing;
        var f = define();
        f.Name = opType;
        f.Domain = Name;
        model.Functions.Add(f);
        return f;
    }
}
