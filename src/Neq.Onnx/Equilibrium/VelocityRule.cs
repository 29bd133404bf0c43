namespace Neq.Onnx.Equilibrium;

/// <summary>Which velocity formula and equilibrium test NEq uses (see <see cref="EquilibriumMath"/>).</summary>
public enum VelocityRule
{
    /// <summary>The paper: v_t = Δφ_t − μ·v_{t−1}; at equilibrium when |v_t| &lt; ε.</summary>
    Paper,

    /// <summary>The authors' code: v_t = μ·v_{t−1} + Δφ_t − Δφ_{t−1}; at equilibrium when |v_t| ≤ ε.</summary>
    ReferenceCode,
}
