using Neq.Onnx.Ir;

namespace Neq.Onnx.Graphs;

/// <summary>
/// The project's operator domain. Its operators are ONNX functions (FunctionProto) carried inside
/// the model (<see cref="ModelProto.Functions"/>), whose bodies use only standard operators: any
/// ONNX Runtime build and execution provider runs them, inlining the body (ONNX Runtime 1.31
/// substitutes attribute references, <c>ref_attr_name</c>, while inlining; a function body must
/// import the model's own default-domain opset).
/// </summary>
public static class NeqDomain
{
    /// <summary>Domain name of the project's operators.</summary>
    public const string Name = "ai.neq";

    /// <summary>Version of the domain the project writes.</summary>
    public const long Version = 1;

    /// <summary>IR version from which models may hold functions (ONNX 1.10).</summary>
    public const long FunctionsIrVersion = 8;

    /// <summary>
    /// Adds <paramref name="function"/> to the model unless a function of the same domain and name
    /// is already there, imports the domain, and raises ir_version to at least
    /// <see cref="FunctionsIrVersion"/> (model-local functions need it).
    /// </summary>
    public static void EnsureFunction(ModelProto model, FunctionProto function)
    {
        if (!model.Functions.Any(f => f.Domain == function.Domain && f.Name == function.Name))
            model.Functions.Add(function);
        model.ImportOpset(function.Domain, Version);
        if (model.IrVersion < FunctionsIrVersion) model.IrVersion = FunctionsIrVersion;
    }

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
