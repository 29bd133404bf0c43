using System.Globalization;

namespace Neq.Onnx.Training;

/// <summary>The process's peak resident memory during one phase of a run.</summary>
/// <param name="Phase">What ran: "data", "sessions", "reference", "train", "dense timing", "NEq evaluation", "step graph", "test", "checkpoint", "log", …</param>
/// <param name="Epoch">0-based epoch the phase belongs to; −1 before the first epoch.</param>
/// <param name="Bytes">Peak resident bytes (VmHWM) from the end of the previous phase to the end of this one.</param>
/// <param name="HeldBytes">Resident bytes (VmRSS) at the end of the phase: what it left held for the phases after.</param>
public readonly record struct PhasePeak(string Phase, int Epoch, long Bytes, long HeldBytes)
{
    /// <summary><see cref="Bytes"/> in MiB.</summary>
    public double MiB => Bytes / 1048576.0;

    /// <summary>"NEq evaluation (epoch 2)" — epochs counted from 1, as on the console; just the phase before the first epoch.</summary>
    public string Where => Epoch < 0 ? Phase : string.Create(CultureInfo.InvariantCulture, $"{Phase} (epoch {Epoch + 1})");
}
