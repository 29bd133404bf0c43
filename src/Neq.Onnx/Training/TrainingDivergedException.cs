namespace Neq.Onnx.Training;

/// <summary>The loss became NaN or infinite; training stopped and the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public TrainingDivergedException(string message) : base(message) { }
}
