using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neq.Onnx.Artifacts;

/// <summary>
/// Writes a shape as a one-line JSON array ("[16, 3, 3, 3]") inside the indented manifest, where
/// the default writer would give every size a line of its own.
/// </summary>
sealed class ShapeJsonConverter : JsonConverter<IReadOnlyList<long>>
{
    public override IReadOnlyList<long> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<long[]>(ref reader) ?? throw new JsonException("A shape must be an array of integers.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<long> value, JsonSerializerOptions options) =>
        writer.WriteRawValue("[" + string.Join(", ", value.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]");
}
