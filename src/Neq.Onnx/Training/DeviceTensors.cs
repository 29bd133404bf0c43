using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Neq.Onnx.Graphs;
using Neq.Onnx.Io;
using Neq.Onnx.Shapes;
using DataType = Neq.Onnx.Ir.TensorProto.Types.DataType;

namespace Neq.Onnx.Training;

/// <summary>
/// The memory the trainer keeps its carried tensors in between steps, and the copies in and out of
/// it. On the host, buffers are managed arrays and copies are span copies. On a device (CUDA),
/// buffers come from the training session's device allocator, and copies go through ONNX Runtime
/// itself: a one-node Identity session with IO binding (binding a host input copies it to the
/// device; binding a host output copies the result back). The C API's CopyTensors needs an
/// execution provider registered as a plugin library, which the CUDA provider appended to session
/// options is not, so it is not used.
/// </summary>
public sealed class DeviceTensors : IDisposable
{
    readonly OrtAllocator? _allocator;
    readonly OrtMemoryInfo? _ownedMemory;
    readonly InferenceSession? _copy;
    readonly OrtIoBinding? _copyBinding;
    readonly RunOptions _run = new();

    DeviceTensors(OrtAllocator? allocator, OrtMemoryInfo? ownedMemory, InferenceSession? copy)
    {
        _allocator = allocator;
        _ownedMemory = ownedMemory;
        _copy = copy;
        _copyBinding = copy?.CreateIoBinding();
    }

    /// <summary>Host memory: buffers are managed arrays ONNX Runtime reads and writes in place.</summary>
    public static DeviceTensors Host() => new(null, null, null);

    /// <summary>
    /// Device memory of <paramref name="session"/>'s execution provider, described by
    /// <paramref name="memory"/> (e.g. CUDA device 0); copies run in a session made with
    /// <paramref name="options"/> (the same provider). With <see cref="OrtMemoryInfo.DefaultInstance"/>
    /// and CPU options this is the device code path on host memory, which is how it is tested without a GPU.
    /// </summary>
    public static DeviceTensors Device(InferenceSession session, OrtMemoryInfo memory, SessionOptions options) =>
        Create(session, memory, null, options);

    /// <summary>The memory of CUDA device <paramref name="deviceId"/> of a session on the CUDA provider.</summary>
    public static DeviceTensors Cuda(InferenceSession session, SessionOptions options, int deviceId = 0)
    {
        var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default);
        try { return Create(session, memory, memory, options); }
        catch { memory.Dispose(); throw; }
    }

    static DeviceTensors Create(InferenceSession session, OrtMemoryInfo memory, OrtMemoryInfo? owned, SessionOptions options)
    {
        var allocator = new OrtAllocator(session, memory);
        try { return new DeviceTensors(allocator, owned, new InferenceSession(OnnxFile.Serialize(CopyModel()), options)); }
        catch { allocator.Dispose(); throw; }
    }

    /// <summary>True when buffers are managed host arrays (no copies through ONNX Runtime).</summary>
    public bool OnHost => _allocator is null;

    /// <summary>A zero-filled buffer on the host, or an uninitialised one on the device.</summary>
    public OrtValue Allocate(long[] shape) => _allocator is null
        ? OrtValue.CreateTensorValueFromMemory(new float[Count(shape)], shape)
        : OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, shape);

    /// <summary>Copies host values into <paramref name="destination"/> (a buffer of this memory).</summary>
    public void Upload(float[] source, OrtValue destination)
    {
        var shape = destination.GetTensorTypeAndShape().Shape;
        if (source.LongLength != Count(shape)) throw new ArgumentException($"{source.Length} values for a tensor of {Count(shape)}.");
        if (_copy is null) { source.CopyTo(destination.GetTensorMutableDataAsSpan<float>()); return; }
        using var host = OrtValue.CreateTensorValueFromMemory(source, shape);
        Copy(host, destination);
    }

    /// <summary>Copies <paramref name="source"/> (a buffer of this memory) to a new host array.</summary>
    public float[] Download(OrtValue source)
    {
        var shape = source.GetTensorTypeAndShape().Shape;
        var result = new float[Count(shape)];
        if (_copy is null) { source.GetTensorDataAsSpan<float>().CopyTo(result); return result; }
        using var host = OrtValue.CreateTensorValueFromMemory(result, shape);
        Copy(source, host);
        return result;
    }

    void Copy(OrtValue from, OrtValue to)
    {
        _copyBinding!.BindInput(CopyIn, from);
        _copyBinding.BindOutput(CopyOut, to);
        _copyBinding.SynchronizeBoundInputs();
        _copy!.RunWithBinding(_run, _copyBinding);
        _copyBinding.SynchronizeBoundOutputs();
        // Drop the references: the host side is a pinned array released right after this call.
        _copyBinding.ClearBoundInputs();
        _copyBinding.ClearBoundOutputs();
    }

    const string CopyIn = "x", CopyOut = "y";

    /// <summary>y = Identity(x) for float tensors of any rank.</summary>
    static Ir.ModelProto CopyModel()
    {
        var b = new GraphBuilder("copy");
        b.AddInput(CopyIn, new TensorType(DataType.Float, null));
        b.Op("Identity", [CopyIn], output: CopyOut, name: "copy");
        b.AddOutput(CopyOut, new TensorType(DataType.Float, null));
        return OnnxModel.Create(b.Graph);
    }

    static long Count(long[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    /// <inheritdoc />
    public void Dispose()
    {
        _copyBinding?.Dispose();
        _copy?.Dispose();
        _allocator?.Dispose();
        _ownedMemory?.Dispose();
        _run.Dispose();
    }
}
