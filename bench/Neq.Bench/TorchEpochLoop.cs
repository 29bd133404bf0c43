using System.Diagnostics;
using Neq.Onnx.Artifacts;
using Neq.Onnx.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Neq.Bench;

/// <summary>
/// The peer of <c>neq train</c>, in a child process: ResNet-32 in libtorch (TorchSharp) from the
/// same initial values, trained epoch by epoch on the same batches with the same masked SGD, the
/// NEq pass (<see cref="TorchEquilibrium"/>) after each training pass and a test pass after it —
/// the order of ours (NeqTrainer.Run), each phase timed with a Stopwatch.
/// </summary>
static class TorchEpochLoop
{
    /// <summary>Runs <see cref="EpochOptions.EpochCount"/> epochs from the artifacts in <paramref name="artifactDir"/> (infer.onnx, manifest.json).</summary>
    public static EpochSideResult Run(EpochOptions o, string artifactDir)
    {
        torch.set_num_threads(o.Threads);
        var data = EpochData.Load(o.Data, o.ValFraction, o.TrainSize, o.TestSize, o.Batch, o.EvalBatch, (ulong)o.Seed);
        var manifest = ArtifactManifest.FromJson(File.ReadAllText(Path.Combine(artifactDir, ArtifactManifest.FileName)));
        using var model = new TorchResNet(blocks: 5, classes: BenchOptions.Classes);
        TorchStepBench.LoadValues(model, Path.Combine(artifactDir, TrainingArtifactSet.InferFile));
        using var neq = new TorchEquilibrium(model, manifest, data.Validation.Count, EpochOptions.Equilibrium, o.CheckNeq);
        using var sgd = new MaskedSgd(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), neq.MaskByParameter,
            BenchOptions.LearningRate, BenchOptions.Momentum, BenchOptions.WeightDecay);

        var reference = Stopwatch.StartNew();
        neq.BeginPass();
        Evaluate(model, data.Validation);
        neq.CompletePass();
        double referenceSeconds = reference.Elapsed.TotalSeconds;

        int e = o.EpochCount;
        var (train, neqTime, test, loss, top1, frozen) = (new double[e], new double[e], new double[e], new double[e], new double[e], new double[e]);
        var (checkPhi, checkFrozen) = (new double[e], new int[e]);
        for (int epoch = 0; epoch < e; epoch++)
        {
            var sw = Stopwatch.StartNew();
            loss[epoch] = TrainEpoch(model, sgd, data.Train, epoch);
            train[epoch] = sw.Elapsed.TotalSeconds;

            sw.Restart();
            neq.BeginPass();
            Evaluate(model, data.Validation);
            int frozenNeurons = neq.CompletePass();
            neqTime[epoch] = sw.Elapsed.TotalSeconds;

            sw.Restart();
            top1[epoch] = Evaluate(model, data.Test);
            test[epoch] = sw.Elapsed.TotalSeconds;
            frozen[epoch] = 100.0 * frozenNeurons / (neq.Neurons + BenchOptions.Classes);
            if (neq.LastCheck is { } check)
            {
                (checkPhi[epoch], checkFrozen[epoch]) = check;
                Console.WriteLine(FormattableString.Invariant($"check: largest |φ libtorch − φ EquilibriumController| {check.MaxPhiDifference:E2}, frozen sets differ in {check.FrozenDisagreements} neuron(s)"));
            }
            Console.WriteLine(FormattableString.Invariant(
                $"libtorch epoch {epoch + 1}: train {train[epoch]:F1} s (loss {loss[epoch]:F4}), NEq {neqTime[epoch]:F1} s ({frozen[epoch]:F2} % frozen), test {test[epoch]:F1} s ({top1[epoch]:F2} %)"));
        }
        return new EpochSideResult("libtorch", train, neqTime, test, null, null, loss, top1, frozen, referenceSeconds, double.NaN, double.NaN, data.Train.Count,
            o.CheckNeq ? checkPhi : null, o.CheckNeq ? checkFrozen : null);
    }

    /// <summary>One training pass; returns the mean loss per image.</summary>
    static double TrainEpoch(TorchResNet model, MaskedSgd sgd, BatchLoader loader, int epoch)
    {
        model.train();
        double lossSum = 0;
        int seen = 0;
        foreach (var batch in loader.ReadEpoch(epoch))
        {
            using (batch)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(batch.Images.ToArray(), loader.BatchShape(batch.Index));
                var y = torch.tensor(batch.Labels.ToArray(), [batch.Count]);
                var loss = torch.nn.functional.cross_entropy(model.call(x), y);
                sgd.ZeroGrad();
                loss.backward();
                sgd.Step();
                lossSum += loss.item<float>() * batch.Count;
                seen += batch.Count;
            }
        }
        return lossSum / seen;
    }

    /// <summary>An eval-mode pass without gradients (BN on running statistics); returns top-1 accuracy in %.</summary>
    static double Evaluate(TorchResNet model, BatchLoader loader)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        long correct = 0;
        int seen = 0;
        foreach (var batch in loader.ReadEpoch(0))
        {
            using (batch)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(batch.Images.ToArray(), loader.BatchShape(batch.Index));
                var y = torch.tensor(batch.Labels.ToArray(), [batch.Count]);
                correct += model.call(x).argmax(1).eq(y).sum().item<long>();
                seen += batch.Count;
            }
        }
        return 100.0 * correct / seen;
    }
}
