using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neq.Train;

/// <summary>
/// The flags of a <c>neq train</c> run, saved as run.json in the run folder so that
/// <c>--resume</c> continues with exactly the same configuration.
/// </summary>
public sealed record RunSettings(
    string Arch, string? Model, string Dataset, string? Data, int Epochs, int BatchSize, double Lr,
    double Momentum, double WeightDecay, string Optim, bool Nesterov, string Schedule, int[] Milestones, double Gamma,
    double Eps, double VelocityMu, string VelocityRule, bool Pinning, double ValSize, ulong Seed, int Threads,
    string Device, bool NoNeq, int? TrainSize, int? TestSize, int EvalBatchSize, bool NoSpecialize = false)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>As indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads run.json; one clear error naming the file when it is damaged.</summary>
    public static RunSettings FromFile(string path)
    {
        try { return JsonSerializer.Deserialize<RunSettings>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid run.json ({e.Message}).", e); }
    }
}
