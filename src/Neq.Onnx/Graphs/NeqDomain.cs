using Neq.Onnx.Ir;

namespace Neq.Onnx.Graphs;

/// <summary>
/// The project's operator domain. Its operators are defined as ONNX functions stored in the model
/// (<see cref="ModelProto.Functions"/>), so a graph that uses them still loads in plain ONNX Runtime.
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
}
