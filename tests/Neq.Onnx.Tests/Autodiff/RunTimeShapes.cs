using Neq.Onnx.Shapes;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Hooks for <see cref="GradCase.Shapes"/> that withhold build-time knowledge, so that rules take
/// the forms they emit for graphs whose sizes or parameters are only known at run time.
/// </summary>
public static class RunTimeShapes
{
    /// <summary>Every size unknown (ranks and element types kept), as in a graph with symbolic dimensions.</summary>
    public static ShapeInferenceResult UnknownSizes(ShapeInferenceResult r) => new(
        r.Types.ToDictionary(kv => kv.Key, kv => kv.Value with { Shape = kv.Value.Shape?.Select(_ => Dim.Unknown).ToArray() }),
        r.Constants);

    /// <summary>The listed values are treated as computed at run time rather than constants.</summary>
    public static Func<ShapeInferenceResult, ShapeInferenceResult> NotConstant(params string[] names) => r => new(
        r.Types,
        r.Constants.Where(kv => !names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>Both: unknown sizes and the listed values not constant.</summary>
    public static Func<ShapeInferenceResult, ShapeInferenceResult> UnknownSizesAndNotConstant(params string[] names) =>
        r => NotConstant(names)(UnknownSizes(r));
}
