namespace Neq.Onnx.Training;

/// <summary>Where an epoch's wall time went (seconds), and the memory NEq held.</summary>
/// <param name="Train">The training pass.</param>
/// <param name="Neq">The validation pass, φ/velocity and masks.</param>
/// <param name="Test">The test pass.</param>
/// <param name="Specialize">Building the next epoch's specialised step graph and its session (0: none built).</param>
/// <param name="ActivationBytes">Bytes the controller holds for previous activations.</param>
/// <param name="StepSeconds">Of <paramref name="Train"/>, the time inside the step itself (no data loading).</param>
/// <param name="Steps">Steps of the training pass.</param>
/// <param name="Timing">The step graph timed against the dense one after the pass (null: the step was the dense graph, or timing is off).</param>
readonly record struct EpochTimes(double Train, double Neq, double Test, double Specialize, long ActivationBytes, double StepSeconds, int Steps, StepTiming? Timing);
