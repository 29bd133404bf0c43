namespace Neq.Onnx.Tests;

/// <summary>
/// The test classes that train a full model (ResNet-20/32, in the test host or in a child
/// <c>neq</c> process). xunit runs test classes in parallel; these need up to a few GB each and
/// both cores, so they run one at a time, after the parallel tests (DisableParallelization),
/// never beside each other — the slow suite's test host then stays within one training run's
/// memory.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FullModelTraining
{
    /// <summary>The collection's name, for <c>[Collection(FullModelTraining.Name)]</c>.</summary>
    public const string Name = "Full model training";
}
