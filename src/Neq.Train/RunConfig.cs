using System.Text.Json;
using System.Text.Json.Serialization;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;

namespace Neq.Train;

/// <summary>
/// Everything a <c>neq train</c> run is configured by, as the typed records the compiler and the
/// trainer take: what to train on what (<see cref="RunSource"/>), the update rule
/// (<see cref="OptimizerOptions"/>) and the training options (<see cref="TrainerOptions"/>, with the
/// learning-rate schedule and the equilibrium options). Saved as run.json in the run folder, so
/// that <c>--resume</c> continues with exactly the same configuration.
/// </summary>
/// <param name="Source">Model and data.</param>
/// <param name="Optimizer">The update rule train.onnx is built with.</param>
/// <param name="Trainer">Epochs, batch, schedule, NEq, device, sizes.</param>
public sealed record RunConfig(RunSource Source, OptimizerOptions Optimizer, TrainerOptions Trainer)
{
    /// <summary>The learning rate when --lr is not given: 0.1 for SGD (the NEq reference's), 0.001 for Adam (PyTorch's).</summary>
    public static double DefaultLr(OptimizerKind kind) => kind == OptimizerKind.Sgd ? 0.1 : 0.001;

    /// <summary>
    /// The defaults of every <c>neq train</c> flag (the NEq reference's CIFAR recipe: SGD with
    /// momentum 0.9 and weight decay 5e-4, 250 epochs, ×0.1 at epochs 100 and 150; ε, μ and the rule
    /// are <see cref="EquilibriumOptions"/>' own defaults).
    /// </summary>
    public static RunConfig Defaults { get; } = new(
        new RunSource(),
        new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9, WeightDecay: 5e-4),
        new TrainerOptions(Epochs: 250, BatchSize: 100, new LrSchedule(LrScheduleKind.MultiStep, DefaultLr(OptimizerKind.Sgd), [100, 150], 0.1, 250),
            ValSize: 0.01, Seed: 0, Threads: 0, UseNeq: true, new EquilibriumOptions()));

    /// <summary>Checks every record once; throws <see cref="ArgumentException"/> naming the flag of the first impossible value.</summary>
    public void Validate()
    {
        Source.Validate();
        if (Optimizer.Kind is not (OptimizerKind.Sgd or OptimizerKind.Adam)) throw new ArgumentException($"--optim must be sgd or adam, not {Optimizer.Kind}.");
        try { Optimizer.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{e.Message.TrimEnd('.')} (--momentum, --nesterov, --weight-decay).", e); }
        if (Trainer.Schedule.Epochs != Trainer.Epochs) throw new ArgumentException($"--epochs is {Trainer.Epochs} but the schedule spans {Trainer.Schedule.Epochs}.");
        Trainer.Validate();
    }

    /// <summary>run.json's format: kebab-case names, enums by name.</summary>
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>As indented JSON (run.json).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads a configuration written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not one (the message names <paramref name="source"/>).</exception>
    public static RunConfig FromJson(string json, string source)
    {
        try
        {
            var config = JsonSerializer.Deserialize<RunConfig>(json, Json) ?? throw new InvalidDataException($"{source}: empty.");
            if (config.Source is null || config.Optimizer is null || config.Trainer?.Schedule is null || config.Trainer.Equilibrium is null)
                throw new InvalidDataException($"{source}: not a run.json of this version of neq (a section is missing).");
            return config;
        }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a valid run.json ({e.Message}).", e); }
    }

    /// <summary>Reads run.json; one clear error naming the file when it is damaged.</summary>
    public static RunConfig FromFile(string path) => FromJson(File.ReadAllText(path), path);
}
