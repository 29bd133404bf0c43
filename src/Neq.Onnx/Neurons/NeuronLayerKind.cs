namespace Neq.Onnx.Neurons;

/// <summary>What kind of layer a neuron belongs to (NEq judges each kind's channels separately).</summary>
public enum NeuronLayerKind
{
    /// <summary>An output channel of a Conv.</summary>
    Conv,

    /// <summary>A channel of a BatchNormalization.</summary>
    BatchNorm,

    /// <summary>
    /// An output unit of a fully connected layer: a Gemm or MatMul whose weight is an initializer
    /// (Keras's name; the manifest writes "dense"). The only meaning of "dense" in the compiler.
    /// </summary>
    Dense,
}
