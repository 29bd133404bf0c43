using System.Globalization;
using Google.Protobuf;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Io;

/// <summary>
/// Reads and writes ONNX model files. Loading resolves tensors stored in external data files
/// (ONNX's "location/offset/length" convention) into memory; saving can move large tensors out
/// again. Every failure is an <see cref="OnnxFormatException"/> whose message names the file.
/// Writes are atomic: a crash mid-write leaves the previous file intact.
/// </summary>
public static class OnnxFile
{
    /// <summary>Loads a model and the external data it refers to.</summary>
    public static ModelProto Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"{path}: cannot read the file ({e.Message}).", e);
        }
        var model = Parse(bytes, path);
        ExternalData.Resolve(model, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
        return model;
    }

    /// <summary>
    /// Parses serialized model bytes; <paramref name="source"/> names them in errors. External
    /// data references are left as they are.
    /// </summary>
    public static ModelProto Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length == 0) throw new OnnxFormatException($"{source}: the file is empty, not an ONNX model.");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{source}: not a valid ONNX model: the protobuf data is corrupt or truncated ({e.Message})", e);
        }
        // Random bytes sometimes decode as protobuf; an ONNX model has a known IR version,
        // a graph and (from IR 3 on) an operator set import.
        if (model.IrVersion is < 1 or > 100)
            throw new OnnxFormatException($"{source}: not an ONNX model: ir_version is {model.IrVersion.ToString(CultureInfo.InvariantCulture)}.");
        if (model.Graph is null)
            throw new OnnxFormatException($"{source}: not an ONNX model: it has no graph.");
        if (model.IrVersion >= 3 && model.OpsetImport.Count == 0)
            throw new OnnxFormatException($"{source}: not a complete ONNX model: it imports no operator set (a truncated file?).");
        return model;
    }

    /// <summary>Serializes a model to bytes, all data inline.</summary>
    public static byte[] Serialize(ModelProto model) => model.ToByteArray();

    /// <summary>
    /// Saves a model. With <see cref="SaveOptions.ExternalDataFile"/> set, tensors of at least
    /// <see cref="SaveOptions.ExternalDataThreshold"/> bytes go to that file beside the model.
    /// </summary>
    public static void Save(ModelProto model, string path, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var toWrite = model;
        if (options.ExternalDataFile is { } dataFile)
        {
            // Readers (this class and ONNX Runtime) only accept locations relative to the model.
            if (dataFile.Length == 0 || Path.IsPathRooted(dataFile))
                throw new ArgumentException($"External data file '{dataFile}' must be a path relative to the model's directory.", nameof(options));
            toWrite = model.Clone();
            var data = ExternalData.Extract(toWrite, dataFile, options.ExternalDataThreshold);
            var dataPath = Path.Combine(dir, dataFile);
            Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
            WriteAtomically(dataPath, data);
        }
        WriteAtomically(path, toWrite.ToByteArray());
    }

    /// <summary>Writes bytes to a temporary file beside <paramref name="path"/>, then renames it over.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        // Unique per call, so that two threads saving the same path do not share a temporary file.
        var tmp = $"{path}.tmp-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Path.GetRandomFileName()}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw new OnnxFormatException($"{path}: cannot write the file ({e.Message}).", e);
        }
    }
}
