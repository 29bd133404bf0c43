using System.Text;

namespace Neq.Onnx.Equilibrium;

/// <summary>
/// Everything an <see cref="EquilibriumController"/> carries from one epoch to the next, for
/// checkpoints: the previous activations, φ_{t−1}, Δφ_{t−1}, v_{t−1}, the frozen set and how many
/// epochs were measured. The options (ε, μ, rule, pinning) are not part of it: a resumed run
/// passes them again. <see cref="WriteTo"/> / <see cref="ReadFrom"/> give a versioned
/// little-endian binary form.
/// </summary>
/// <param name="HasReference">Whether the reference pass (before training) has run.</param>
/// <param name="EpochsObserved">Validation passes completed after training epochs.</param>
/// <param name="ValidationCount">Validation images per pass.</param>
/// <param name="Precision">Element type of <see cref="LayerState.PreviousActivations"/>.</param>
/// <param name="Layers">Per layer, in the controller's order.</param>
public sealed record EquilibriumState(
    bool HasReference, int EpochsObserved, int ValidationCount, ActivationPrecision Precision, IReadOnlyList<LayerState> Layers)
{
    static ReadOnlySpan<byte> Magic => "NEQS"u8;
    const int Version = 1;

    /// <summary>Writes the binary form.</summary>
    public void WriteTo(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Version);
        w.Write(HasReference);
        w.Write(EpochsObserved);
        w.Write(ValidationCount);
        w.Write((byte)Precision);
        w.Write(Layers.Count);
        foreach (var l in Layers)
        {
            w.Write(l.Layer.Name);
            w.Write(l.Layer.Channels);
            w.Write(l.Layer.Positions);
            foreach (var array in new[] { l.Phi, l.DeltaPhi, l.Velocity })
                foreach (var x in array) w.Write(x);
            foreach (var f in l.Frozen) w.Write(f);
            w.Write(l.PreviousActivations.LongLength);
            w.Write(l.PreviousActivations);
        }
    }

    /// <summary>Reads the binary form; <paramref name="source"/> names the data in errors.</summary>
    /// <exception cref="InvalidDataException">The data is not a state of this version, or is truncated.</exception>
    public static EquilibriumState ReadFrom(Stream stream, string source)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{source}: not an NEq equilibrium state.");
            var version = r.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{source}: equilibrium state version {version}; this build reads version {Version}.");
            var hasReference = r.ReadBoolean();
            var epochs = r.ReadInt32();
            var images = r.ReadInt32();
            var precision = (ActivationPrecision)r.ReadByte();
            if (!Enum.IsDefined(precision)) throw new InvalidDataException($"{source}: unknown activation precision {(int)precision}.");
            var count = r.ReadInt32();
            if (count < 0) throw new InvalidDataException($"{source}: {count} layers.");
            var layers = new List<LayerState>(count);
            for (var i = 0; i < count; i++)
            {
                var layer = new EquilibriumLayer(r.ReadString(), r.ReadInt32(), r.ReadInt32());
                if (layer.Channels <= 0 || layer.Positions <= 0)
                    throw new InvalidDataException($"{source}: layer '{layer.Name}' has {layer.Channels} channels of {layer.Positions} positions.");
                var phi = ReadDoubles(r, layer.Channels);
                var deltaPhi = ReadDoubles(r, layer.Channels);
                var velocity = ReadDoubles(r, layer.Channels);
                var frozen = new bool[layer.Channels];
                for (var c = 0; c < frozen.Length; c++) frozen[c] = r.ReadBoolean();
                var length = r.ReadInt64();
                if (length < 0 || length > int.MaxValue) throw new InvalidDataException($"{source}: layer '{layer.Name}' claims {length} bytes of activations.");
                var activations = r.ReadBytes((int)length);
                if (activations.Length != length) throw new EndOfStreamException();
                layers.Add(new LayerState(layer, phi, deltaPhi, velocity, frozen, activations));
            }
            return new EquilibriumState(hasReference, epochs, images, precision, layers);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: the equilibrium state is truncated.", e);
        }
    }

    /// <summary>The binary form as one array (for states under 2 GB).</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        WriteTo(ms);
        return ms.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static EquilibriumState FromBytes(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var ms = new MemoryStream(bytes, writable: false);
        return ReadFrom(ms, source);
    }

    static double[] ReadDoubles(BinaryReader r, int n)
    {
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = r.ReadDouble();
        return values;
    }
}
