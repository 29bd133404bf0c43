namespace Neq.Onnx.Data;

/// <summary>Which of CIFAR-100's two labels to train on (<c>--labels</c>).</summary>
public enum Cifar100Labels
{
    /// <summary>The 100 fine classes (the default).</summary>
    Fine,

    /// <summary>The 20 coarse superclasses.</summary>
    Coarse,
}
