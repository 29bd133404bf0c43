using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Graphs;

/// <summary>Questions about ONNX element types, answered in one place.</summary>
public static class ElementTypes
{
    /// <summary>
    /// True for the floating-point element types: float32, float64, float16 and bfloat16 — the
    /// types gradients flow through and parameters are counted in (the float8 types hold
    /// quantized data, not trainable values).
    /// </summary>
    public static bool IsFloating(DataType t) =>
        t is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;
}
