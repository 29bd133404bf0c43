namespace Neq.Onnx.Neurons;

/// <summary>
/// A trainable initializer of a neuron layer and the axis of it that indexes the layer's channels:
/// conv weight [C_out, C_in/g, k…] → 0; conv bias [C] → 0; bias applied by a separate Add:
/// [1, C, 1, 1] → 1, [C, 1, 1] → 0; BatchNormalization γ and β → 0; Gemm weight with transB = 1
/// [out, in] → 0, with transB = 0 [in, out] → 1; MatMul weight [in, out] → 1; dense bias → its last axis.
/// </summary>
/// <param name="Name">Initializer name (in the normalized model).</param>
/// <param name="ChannelAxis">Axis of the initializer along which channel c's entries lie.</param>
public sealed record GatedParameter(string Name, int ChannelAxis);
