using Neq.Onnx.Artifacts;
using Neq.Onnx.Equilibrium;
using Neq.Onnx.Training;

namespace Neq.Onnx.Tests.Training;

/// <summary>
/// Peak resident memory per phase: a phase that holds a known buffer shows at least its size, the
/// trainer records every phase of every epoch, and each epoch's record carries the highest of its phases.
/// </summary>
public sealed class PeakMemoryTests
{
    const long Buffer = 256L << 20;

    [PeakMemoryFact]
    public void A_phase_that_touches_a_256_MiB_buffer_shows_a_peak_of_at_least_its_size()
    {
        var log = new MemoryLog();
        log.End("before", -1);
        // Every page written, so it is resident; it is still held when the phase ends, so a reset
        // by another test meanwhile cannot lower the peak below it.
        var buffer = GC.AllocateUninitializedArray<byte>((int)Buffer);
        buffer.AsSpan().Fill(1);
        log.End("buffer", 0);
        GC.KeepAlive(buffer);
        var phase = Assert.Single(log.Phases, x => x.Phase == "buffer");
        Assert.True(phase.Bytes >= Buffer, $"peak {phase.MiB:0} MiB, the buffer alone is {Buffer >> 20} MiB");
        Assert.True(phase.HeldBytes >= Buffer, $"resident {phase.HeldBytes >> 20} MiB at the end, the buffer alone is {Buffer >> 20} MiB");
        Assert.Equal(0, phase.Epoch);
    }

    [PeakMemoryFact]
    public void The_trainer_records_every_phase_of_every_epoch_and_each_epochs_peak_is_its_highest_phase()
    {
        var options = new TrainerOptions(2, BatchSize: 16, new LrSchedule(LrScheduleKind.MultiStep, 0.05, [], 0.1, 2), ValSize: 0.1, Seed: 7,
            Threads: 1, UseNeq: true, new EquilibriumOptions(Eps: 0.3), EvalBatchSize: 32);
        var compiled = TrainingArtifacts.Compile(TinyClassifier.Model(), new ArtifactOptions(new OptimizerOptions(OptimizerKind.Sgd, Momentum: 0.9)));
        using var trainer = new NeqTrainer(compiled, TinyClassifier.Data(), options);
        trainer.Run((_, _) => { }, _ => { });

        string[] epoch = ["train", "dense timing", "NEq evaluation", "step graph", "test", "checkpoint", "log"];
        Assert.Equal(["data fitted", "sessions", "reference", .. epoch, .. epoch], trainer.Memory.Phases.Select(p => p.Phase));
        Assert.Equal([-1, -1, -1, .. epoch.Select(_ => 0), .. epoch.Select(_ => 1)], trainer.Memory.Phases.Select(p => p.Epoch));
        Assert.All(trainer.Memory.Phases, p => Assert.True(p.Bytes >= p.HeldBytes && p.HeldBytes > 0, $"{p.Where}: peak {p.Bytes}, held {p.HeldBytes}"));
        // Epoch 1's record: construction, reference and its own phases up to its test; epoch 2's:
        // epoch 1's checkpoint and log, then its own up to its test.
        var phases = trainer.Memory.Phases;
        var first = phases.Take(3 + 5).MaxBy(p => p.Bytes);
        var second = phases.Skip(3 + 5).Take(2 + 5).MaxBy(p => p.Bytes);
        Assert.Equal((first.Bytes, first.Phase), (trainer.History[0].PeakResidentBytes, trainer.History[0].PeakPhase));
        Assert.Equal((second.Bytes, second.Phase), (trainer.History[1].PeakResidentBytes, trainer.History[1].PeakPhase));
    }

    [Fact]
    public void The_summary_names_the_highest_phase_and_each_phases_highest_peak_in_the_order_they_first_ran()
    {
        PhasePeak[] phases = [new("sessions", -1, 100L << 20, 90L << 20), new("train", 0, 300L << 20, 250L << 20),
            new("NEq evaluation", 0, 700L << 20, 400L << 20), new("train", 1, 500L << 20, 450L << 20)];
        Assert.Equal("peak 700 MiB in NEq evaluation (epoch 1); sessions 100, train 500, NEq evaluation 700 MiB", MemoryLog.Describe(phases));
    }
}
