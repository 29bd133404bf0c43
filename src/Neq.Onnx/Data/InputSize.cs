using System.Globalization;
using Neq.Onnx.Io;
using Neq.Onnx.Ir;

namespace Neq.Onnx.Data;

/// <summary>
/// The height and width an image model with a symbolic spatial size (detector backbones, OCR
/// classifiers: <c>[N,3,H,W]</c>) is trained at (<c>neq train --input-size HxW</c>). NEq compares
/// each neuron's outputs position by position between epochs, so the activations need one fixed
/// size: the model's input gets these dimensions before the training graphs are built, and the data
/// is fitted to them as to any fixed input (zero-padded around the centre, or <c>--resize</c>d).
/// </summary>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public sealed record InputSize(int Height, int Width)
{
    /// <summary>Reads <c>HxW</c> (e.g. <c>32x32</c>); one error naming the flag otherwise.</summary>
    /// <exception cref="ArgumentException">Not two positive integers joined by x.</exception>
    public static InputSize Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('x', 'X');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h > 0
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w > 0
            ? new InputSize(h, w)
            : throw new ArgumentException($"--input-size must be HEIGHTxWIDTH in pixels, e.g. 32x32, not '{text}'.");
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Height}x{Width}");

    /// <summary>
    /// <paramref name="model"/> ready for training at a fixed spatial size: unchanged when its image
    /// input's height and width are fixed (and <paramref name="size"/>, when given, agrees), else a
    /// copy whose input has <paramref name="size"/>'s height and width. Models whose data input is
    /// not a rank-4 image are returned as they are. <paramref name="source"/> names the file in errors.
    /// </summary>
    /// <exception cref="OnnxFormatException">
    /// The height or width is symbolic and no size was given (the message asks for --input-size), or
    /// a size was given that contradicts the model's fixed one.
    /// </exception>
    public static ModelProto Fix(ModelProto model, InputSize? size, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name) && i.Type?.TensorType?.Shape is { Dim.Count: 4 }).ToList();
        if (inputs.Count != 1)
        {
            if (size is not null)
                throw new OnnxFormatException($"{source}: --input-size {size} sets the height and width of one image input [N,C,H,W] or [N,H,W,C]; the model has {inputs.Count} rank-4 data inputs.");
            return model;
        }
        var input = inputs[0];
        var dims = input.Type.TensorType.Shape.Dim;
        var shape = dims.Select(d => d.HasDimValue && d.DimValue > 0 ? d.DimValue : -1).ToArray();
        var layout = ModelInput.Of(input.Name, shape, model.Graph).Layout;
        var (hAxis, wAxis) = layout == InputLayout.ChannelsLast ? (1, 2) : (2, 3);
        var fixedSize = shape[hAxis] > 0 && shape[wAxis] > 0;
        if (fixedSize)
        {
            if (size is not null && (shape[hAxis] != size.Height || shape[wAxis] != size.Width))
                throw new OnnxFormatException($"{source}: input '{input.Name}' is {shape[hAxis]}x{shape[wAxis]} (height x width) in the model; --input-size {size} contradicts it (leave the flag out).");
            return model;
        }
        if (size is null)
            throw new OnnxFormatException(
                $"{source}: input '{input.Name}' has a symbolic height or width ([{string.Join(",", dims.Select(d => d.HasDimValue ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.DimParam is { Length: > 0 } p ? p : "?"))}]); " +
                "NEq compares neuron outputs at fixed positions, so give the size to train at with --input-size HxW (e.g. --input-size 32x32).");
        var copy = model.Clone();
        var fixedDims = copy.Graph.Input.Single(i => i.Name == input.Name).Type.TensorType.Shape.Dim;
        foreach (var (axis, value) in new[] { (hAxis, size.Height), (wAxis, size.Width) })
            if (shape[axis] <= 0)
                fixedDims[axis] = new TensorShapeProto.Types.Dimension { DimValue = value };
            else if (shape[axis] != value)
                throw new OnnxFormatException($"{source}: input '{input.Name}' has a fixed {(axis == hAxis ? "height" : "width")} of {shape[axis]}; --input-size {size} contradicts it.");
        return copy;
    }
}
