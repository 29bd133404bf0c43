using System.Globalization;

namespace Neq.Onnx.Data;

/// <summary>
/// Fits a data set's samples to a model input; the model decides shape, channels and layout.
/// <list type="bullet">
/// <item>Byte images (C, H, W) into a rank-4 input ([N,C,H,W], or [N,H,W,C] channels-last): the
/// channel counts must agree. Equal sizes pass as they are; smaller images are zero-padded around
/// the centre (top/left get the smaller half), as torchvision's Pad does before Normalize;
/// with <c>resize</c> they are scaled instead (SkiaSharp). An image larger than the input is scaled
/// with <c>resize</c> and an error without.</item>
/// <item>uint8 npz samples (H, W) are images (1, H, W); uint8 npz samples of rank 3 are images
/// in the model's layout ((H, W, C) for a channels-last input, else (C, H, W)) and are kept
/// channel-major like every image set, the loader writing them back channels-last.</item>
/// <item>Other samples pass literally: their shape must equal the input's per-sample shape, except
/// that a missing channel axis of size 1 is added ([L] into [N,1,L]) and any sample is flattened
/// into a rank-2 input [N,F] of the same size.</item>
/// </list>
/// Anything else is one <see cref="DatasetException"/> saying what the model wants and what the data has.
/// </summary>
public static class InputFit
{
    /// <summary>Fits <paramref name="dataset"/> to <paramref name="input"/>; <paramref name="resize"/> scales images instead of padding them.</summary>
    public static FittedDataset Fit(Dataset dataset, ModelInput input, bool resize = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Shape.Count < 2)
            throw new DatasetException($"Model input {input.Name} has shape [{Dims(input.Shape)}]; it needs a batch axis and a sample axis.");
        var model = input.Shape.Skip(1).ToArray();
        var data = dataset.Train.Shape;
        var notes = new List<string>(dataset.Notes);

        // uint8 (H, W) samples from npz are grey images.
        if (dataset.Train.Element == SampleElement.Byte && data.Count == 2 && model.Length == 3)
        {
            dataset = dataset with { Train = dataset.Train.Reshaped([1, data[0], data[1]]), Test = dataset.Test.Reshaped([1, data[0], data[1]]) };
            data = dataset.Train.Shape;
        }
        else if (dataset.Name == Npz.Name && dataset.Train.Element == SampleElement.Byte && data.Count == 3 && model.Length == 3 && input.Layout == InputLayout.ChannelsLast)
        {
            dataset = dataset with { Train = ToChannelsFirst(dataset.Train), Test = ToChannelsFirst(dataset.Test) };
            data = dataset.Train.Shape;
        }

        if (model.Length == 1 && (model[0] <= 0 || model[0] == dataset.Train.SampleSize))
        {
            if (data.Count > 1) notes.Add($"{dataset.Name}: samples of {SampleSet.Format(data)} are flattened to {dataset.Train.SampleSize} features for input {input.Name} [{Dims(input.Shape)}].");
            return new FittedDataset(dataset with { Notes = notes }, [dataset.Train.SampleSize], false, IsImage(dataset.Train));
        }

        if (IsImage(dataset.Train) && model.Length == 3) return FitImages(dataset, input, model, resize, notes);

        // Literal fit: equal shapes, or a channel axis of 1 added.
        var want = model;
        var have = data.ToArray();
        if (want.Length == have.Length + 1)
        {
            var axis = input.Layout == InputLayout.ChannelsFirst ? 0 : want.Length - 1;
            if (want[axis] is 1 or <= 0) have = [.. have[..axis], 1, .. have[axis..]];
        }
        if (have.Length == want.Length && have.Zip(want).All(p => p.Second <= 0 || p.First == p.Second))
        {
            if (!have.SequenceEqual(data))
                dataset = dataset with { Train = dataset.Train.Reshaped(have), Test = dataset.Test.Reshaped(have) };
            return new FittedDataset(dataset with { Notes = notes }, have, false, IsImage(dataset.Train));
        }
        throw Mismatch(dataset, input, "");
    }

    static FittedDataset FitImages(Dataset dataset, ModelInput input, long[] model, bool resize, List<string> notes)
    {
        var last = input.Layout == InputLayout.ChannelsLast;
        var (c, h, w) = last ? (model[2], model[0], model[1]) : (model[0], model[1], model[2]);
        var data = dataset.Train.Shape;
        int dc = data[0], dh = data[1], dw = data[2];
        if (c > 0 && c != dc)
            throw Mismatch(dataset, input, $" The channel counts differ ({c} vs {dc}); export the model with {dc} input channel{(dc == 1 ? "" : "s")}, or convert the data.");
        int th = h > 0 ? (int)h : dh, tw = w > 0 ? (int)w : dw;
        int[] fitted = [dc, th, tw];
        int[] batchShape = last ? [th, tw, dc] : fitted;
        if (th == dh && tw == dw) return new FittedDataset(dataset with { Notes = notes }, batchShape, last, true);

        var from = $"{dh}×{dw}";
        var to = $"{th}×{tw}";
        if (resize)
        {
            notes.Add($"{dataset.Name}: images resized from {from} to {to} for input {input.Name}.");
            dataset = dataset with { Train = Map(dataset.Train, fitted, (s, d) => ImageResampler.ResizePlanes(s, dc, dh, dw, th, tw, d)),
                                     Test = Map(dataset.Test, fitted, (s, d) => ImageResampler.ResizePlanes(s, dc, dh, dw, th, tw, d)) };
        }
        else if (dh <= th && dw <= tw)
        {
            int top = (th - dh) / 2, left = (tw - dw) / 2;
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{dataset.Name}: {from} images zero-padded to {to} around the centre ({top} rows above, {th - dh - top} below, {left} columns left, {tw - dw - left} right) for input {input.Name}; --resize scales them instead."));
            dataset = dataset with { Train = Map(dataset.Train, fitted, (s, d) => Pad(s, dc, dh, dw, th, tw, top, left, d)),
                                     Test = Map(dataset.Test, fitted, (s, d) => Pad(s, dc, dh, dw, th, tw, top, left, d)) };
        }
        else throw Mismatch(dataset, input, " The images are larger than the input; pass --resize to scale them.");
        return new FittedDataset(dataset with { Notes = notes }, batchShape, last, true);
    }

    static bool IsImage(SampleSet set) => set.Element == SampleElement.Byte && set.Shape.Count == 3;

    static SampleSet ToChannelsFirst(SampleSet set)
    {
        int h = set.Shape[0], w = set.Shape[1], c = set.Shape[2];
        return Map(set, [c, h, w], (s, d) =>
        {
            for (var p = 0; p < h * w; p++)
                for (var k = 0; k < c; k++) d[k * h * w + p] = s[p * c + k];
        });
    }

    delegate void Transform(ReadOnlySpan<byte> source, Span<byte> destination);

    static SampleSet Map(SampleSet set, int[] shape, Transform transform)
    {
        var size = shape[0] * shape[1] * shape[2];
        var bytes = new byte[(long)set.Count * size];
        Parallel.For(0, set.Count, i => transform(set.ByteSample(i), bytes.AsSpan(i * size, size)));
        return set.WithBytes(bytes, shape);
    }

    static void Pad(ReadOnlySpan<byte> source, int c, int h, int w, int th, int tw, int top, int left, Span<byte> destination)
    {
        destination.Clear();
        for (var k = 0; k < c; k++)
            for (var y = 0; y < h; y++)
                source.Slice((k * h + y) * w, w).CopyTo(destination.Slice((k * th + y + top) * tw + left, w));
    }

    static DatasetException Mismatch(Dataset dataset, ModelInput input, string hint)
    {
        var layout = input.Shape.Count == 4 ? (input.Layout == InputLayout.ChannelsLast ? " (N, H, W, C)" : " (N, C, H, W)") : "";
        return new DatasetException(
            $"Model input {input.Name} wants [{Dims(input.Shape)}]{layout}; the {dataset.Name} data ({dataset.Source}) has {dataset.Train.Element} samples of {SampleSet.Format(dataset.Train.Shape)}.{hint}");
    }

    static string Dims(IEnumerable<long> shape) => string.Join(", ", shape.Select(d => d <= 0 ? "?" : d.ToString(CultureInfo.InvariantCulture)));
}
