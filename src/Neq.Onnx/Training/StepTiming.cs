namespace Neq.Onnx.Training;

/// <summary>
/// The epoch's step graph against the dense one (every neuron trained), timed on the same batch
/// in interleaved rounds right after the training pass, so both see the same machine load.
/// </summary>
/// <param name="Step">Median seconds of one step with the epoch's graph (specialised to its masks).</param>
/// <param name="Dense">Median seconds of one step with the general graph and every mask open.</param>
/// <param name="Seconds">Wall time the measurement took (warm-up and re-made session included).</param>
public readonly record struct StepTiming(double Step, double Dense, double Seconds)
{
    /// <summary>How many times longer the dense step takes (above 1: the epoch's graph saves time).</summary>
    public double DenseRatio => Step > 0 ? Dense / Step : 1;
}
