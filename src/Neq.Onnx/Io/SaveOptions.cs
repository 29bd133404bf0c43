namespace Neq.Onnx.Io;

/// <summary>How <see cref="OnnxFile.Save"/> writes a model.</summary>
/// <param name="ExternalDataFile">File name (beside the model) for large tensors; null keeps all data inline.</param>
/// <param name="ExternalDataThreshold">Tensors of at least this many bytes go to the external file.</param>
public sealed record SaveOptions(string? ExternalDataFile = null, long ExternalDataThreshold = 1024);
