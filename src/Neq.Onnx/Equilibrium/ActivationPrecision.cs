namespace Neq.Onnx.Equilibrium;

/// <summary>The element type the previous epoch's validation activations are held in.</summary>
public enum ActivationPrecision
{
    /// <summary>
    /// IEEE half (2 bytes): half the memory. Its rounding (relative 2⁻¹¹) moves a cosine by about
    /// 10⁻⁷, far below ε; values beyond ±65,504 are clamped to that range before storing.
    /// </summary>
    Half,

    /// <summary>float32 (4 bytes): exact copies of what the evaluation produced.</summary>
    Single,
}
