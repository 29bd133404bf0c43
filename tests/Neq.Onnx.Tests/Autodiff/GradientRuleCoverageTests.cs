using Neq.Onnx.Autodiff;
using Neq.Onnx.Graphs;
using Neq.Onnx.Operators;

namespace Neq.Onnx.Tests.Autodiff;

/// <summary>
/// Every rule in <see cref="GradientRegistry"/> is checked against finite differences: each
/// operator with a (non-null) rule appears in at least one row of the finite-difference tables
/// (<see cref="FiniteDifferenceTables"/>), or, for MaskGate, in <see cref="MaskGradientTests"/>,
/// whose rows compare the gradient with finite differences times the mask.
/// </summary>
public sealed class GradientRuleCoverageTests
{
    [Fact]
    public void Every_registered_gradient_rule_has_a_finite_difference_row()
    {
        var exercised = FiniteDifferenceTables.All().SelectMany(FiniteDifferenceTables.Operators).ToHashSet();
        if (MaskGradientTests.Rows().Cast<object[]>().Any()) exercised.Add((NeqDomain.Name, MaskGate.OpType));

        var registered = GradientRegistry.Entries.Where(e => e.Rule is not null).Select(e => (e.Domain, e.OpType)).ToList();
        var missing = registered.Where(op => !exercised.Contains(op)).Select(op => op.Domain.Length == 0 ? op.OpType : $"{op.Domain}::{op.OpType}").ToList();

        Assert.Contains(("", "Conv"), registered);
        Assert.Contains((NeqDomain.Name, BatchNormTraining.OpType), registered);
        Assert.True(missing.Count == 0, $"rules without a finite-difference row: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_project_operators_are_registered_under_their_domain()
    {
        foreach (var op in new[] { MaskGate.OpType, BatchNormTraining.OpType })
        {
            Assert.True(GradientRegistry.TryGet(NeqDomain.Name, op, out var rule), $"{op} is not in the gradient table");
            Assert.NotNull(rule);
        }
    }
}
