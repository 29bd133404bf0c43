namespace Neq.Onnx.Neurons;

/// <summary>
/// The names the mask machinery gives to what it adds to a graph, in one place:
/// <c>&lt;layer&gt;.mask</c> (graph input, float [C], default ones), <c>&lt;layer&gt;.activation</c>
/// (graph output, the hooked activation), <c>&lt;parameter&gt;.gated</c> (the gated parameter the
/// layer's node reads).
/// </summary>
public static class NeuronNames
{
    /// <summary>Suffix PyTorch gives weights ("conv1.weight"); stripped to name a layer.</summary>
    public const string WeightSuffix = ".weight";

    /// <summary>The mask input of layer <paramref name="layer"/>: "&lt;layer&gt;.mask".</summary>
    public static string Mask(string layer) => layer + ".mask";

    /// <summary>The activation output of layer <paramref name="layer"/>: "&lt;layer&gt;.activation".</summary>
    public static string ActivationOutput(string layer) => layer + ".activation";

    /// <summary>The gated value of parameter <paramref name="parameter"/>: "&lt;parameter&gt;.gated".</summary>
    public static string Gated(string parameter) => parameter + ".gated";
}
