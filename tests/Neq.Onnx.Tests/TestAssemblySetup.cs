using System.Runtime.CompilerServices;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests;

/// <summary>Runs once when the test assembly loads, before any test creates an ONNX Runtime session.</summary>
static class TestAssemblySetup
{
    /// <summary>ONNX Runtime logs through <see cref="OrtLog"/> in tests as in the tools.</summary>
    [ModuleInitializer]
    internal static void Initialize() => OrtLog.Configure();
}
