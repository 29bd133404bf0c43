namespace Neq.Onnx.Training;

/// <summary>How the learning rate changes over epochs.</summary>
public enum LrScheduleKind
{
    /// <summary>Multiply by γ at each milestone epoch (the reference: ×0.1 at 100 and 150).</summary>
    MultiStep,

    /// <summary>Cosine annealing from the base rate to 0 over the run.</summary>
    Cosine,
}
