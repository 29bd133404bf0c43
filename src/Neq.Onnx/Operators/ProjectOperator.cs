using Neq.Onnx.Autodiff;
using Neq.Onnx.Shapes;

namespace Neq.Onnx.Operators;

/// <summary>
/// What the compiler needs to know about one of the project's operators (domain
/// <see cref="Graphs.NeqDomain.Name"/>): its gradient rule and, where the operator has one, its
/// shape rule. Each operator's file exposes one of these; <see cref="ProjectOperators.All"/> lists
/// them and the gradient and shape-inference tables read that list, so adding an operator is one
/// file plus one line there.
/// </summary>
/// <param name="OpType">Operator type in the ai.neq domain.</param>
/// <param name="Gradient">Its gradient rule.</param>
/// <param name="Shape">Its shape rule, or null when shape inference leaves its outputs as declared.</param>
internal sealed record ProjectOperator(string OpType, GradientRule Gradient, ShapeRule? Shape);
