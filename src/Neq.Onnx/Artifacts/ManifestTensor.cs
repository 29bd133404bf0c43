namespace Neq.Onnx.Artifacts;

/// <summary>A named tensor of an artifact's signature.</summary>
/// <param name="Name">Input or output name.</param>
/// <param name="ElemType">Element type in lower case as ONNX names it: "float", "int64", …</param>
/// <param name="Shape">Sizes; −1 marks a size known only at run time (the batch).</param>
public sealed record ManifestTensor(string Name, string ElemType, IReadOnlyList<long> Shape);
