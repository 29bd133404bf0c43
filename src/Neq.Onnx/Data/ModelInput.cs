namespace Neq.Onnx.Data;

/// <summary>The model input a data set is fitted to (<see cref="InputFit"/>).</summary>
/// <param name="Name">The input's name in the graph, for messages.</param>
/// <param name="Shape">Its full shape, batch axis first; a dimension ≤ 0 is symbolic and takes the data's size.</param>
/// <param name="Layout">Where its channel axis is.</param>
public sealed record ModelInput(string Name, IReadOnlyList<long> Shape, InputLayout Layout = InputLayout.ChannelsFirst);
