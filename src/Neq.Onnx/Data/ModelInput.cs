namespace Neq.Onnx.Data;

/// <summary>The model input a data set is fitted to (<see cref="InputFit"/>).</summary>
/// <param name="Name">The input's name in the graph, for messages.</param>
/// <param name="Shape">Its full shape, batch axis first; a dimension ≤ 0 is symbolic and takes the data's size.</param>
/// <param name="Layout">Where its channel axis is.</param>
public sealed record ModelInput(string Name, IReadOnlyList<long> Shape, InputLayout Layout = InputLayout.ChannelsFirst)
{
    /// <summary>
    /// The input <paramref name="name"/> of <paramref name="shape"/> with its layout read from the
    /// shape: a rank-4 input whose last axis is 1 or 3 and whose second axis is a fixed size other
    /// than 1 or 3 is channels-last ([N, H, W, C], as TensorFlow exports), every other input
    /// channels-first.
    /// </summary>
    public static ModelInput Of(string name, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var last = shape.Count == 4 && shape[3] is 1 or 3 && shape[1] is > 0 and not (1 or 3);
        return new ModelInput(name, shape, last ? InputLayout.ChannelsLast : InputLayout.ChannelsFirst);
    }
}
