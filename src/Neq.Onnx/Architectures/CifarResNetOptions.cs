namespace Neq.Onnx.Architectures;

/// <summary>What <see cref="CifarResNet.Build"/> builds.</summary>
/// <param name="Depth">Number of weighted layers, 6n + 2 for n ≥ 1 (20, 32, 44, 56, 110 are the published ones).</param>
/// <param name="Classes">Number of output classes (the classifier's width).</param>
/// <param name="Seed">Seed of the weight initialisation; equal seeds give byte-identical models.</param>
public sealed record CifarResNetOptions(int Depth = 32, int Classes = 10, ulong Seed = 0);
