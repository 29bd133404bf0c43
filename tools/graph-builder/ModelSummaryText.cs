using System.Globalization;
using Neq.Onnx.Inspection;
using Neq.Onnx.Shapes;

namespace Neq.GraphBuilderTool;

/// <summary>Renders a <see cref="ModelSummary"/> as the readable text that <c>inspect</c> prints.</summary>
public static class ModelSummaryText
{
    /// <summary>Writes <paramref name="summary"/> of the model read from <paramref name="source"/>.</summary>
    public static void Write(TextWriter w, ModelSummary summary, string source)
    {
        var opsets = string.Join(", ", summary.Opsets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)} {N(o.Value)}"));
        w.WriteLine($"model      {source}");
        w.WriteLine($"ir_version {N(summary.IrVersion)}, producer '{summary.Producer}'");
        w.WriteLine($"opsets     {opsets}");
        w.WriteLine();

        WriteTable(w, ["input", "type"], summary.Inputs.Select(v => new[] { v.Name, TypeText(v.Type) }));
        w.WriteLine();
        WriteTable(w, ["output", "type"], summary.Outputs.Select(v => new[] { v.Name, TypeText(v.Type) }));
        w.WriteLine();

        var nodes = summary.OperatorCounts.Values.Sum();
        WriteTable(w, ["operator", "count"], summary.OperatorCounts.Select(o => new[] { o.Key, N(o.Value) }), rightAlignFrom: 1);
        w.WriteLine($"{N(nodes)} nodes");
        w.WriteLine();

        w.WriteLine($"parameters {N(summary.ParameterCount)} in {N(summary.ParameterTensorCount)} tensors (BN running statistics and integer constants excluded)");
        w.WriteLine();

        if (summary.Layers.Count > 0)
        {
            WriteTable(w, ["layer", "op", "output/sample", "channels", "MACs/sample"],
                summary.Layers.Select(l => new[]
                {
                    l.Name,
                    l.OpType,
                    l.OutputShape is null ? "?" : $"[{string.Join(",", l.OutputShape)}]",
                    l.OutputChannels is { } c ? N(c) : "?",
                    l.Macs is { } m ? N(m) : "?",
                }), rightAlignFrom: 3);
            w.WriteLine();
        }

        var byOp = summary.Layers.Select(l => l.OpType).Distinct().Where(op => summary.MacsOf(op) > 0)
            .Select(op => $"{op} {N(summary.MacsOf(op))}");
        var incomplete = summary.AllMacsKnown ? "" : " (some layers' shapes are unknown; their MACs are not counted)";
        w.WriteLine($"forward MACs per sample {N(summary.TotalMacs)} ({string.Join(", ", byOp)}){incomplete}");
    }

    static string TypeText(TensorType? t) => t?.ToString() ?? "(no tensor type)";

    static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    static void WriteTable(TextWriter w, string[] header, IEnumerable<string[]> rows, int rightAlignFrom = int.MaxValue)
    {
        var all = rows.Prepend(header).ToArray();
        var widths = Enumerable.Range(0, header.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var r in all)
        {
            var cells = r.Select((cell, c) => c >= rightAlignFrom ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            w.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
