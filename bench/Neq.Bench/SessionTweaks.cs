using Microsoft.ML.OnnxRuntime;
using Neq.Onnx.Training;

namespace Neq.Bench;

/// <summary>
/// Named changes to the trainer's session options (Sessions.Options), for A/B runs:
/// extended / basic (graph optimisation level), parallel (ORT_PARALLEL, 2 inter-op threads),
/// noarena, pattern / nopattern (memory pattern on / off), spin / nospin
/// (session.intra_op.allow_spinning = 1 / 0; the trainer's CPU options turn the memory pattern off and keep spinning), envalloc
/// (session.use_env_allocators = 1), affinity (intra-op threads pinned to cores 1 and 2),
/// nodenormal (session.set_denormal_as_zero = 1). Two are graph choices, not session options: portable
/// runs train.onnx as written instead of built for the NCHWc kernels (<see cref="CpuKernels"/>, as the
/// trainer does), dwconv builds those graphs with every conv weight gradient as a lowered Conv.
/// </summary>
static class SessionTweaks
{
    /// <summary>The trainer's options for <paramref name="threads"/> threads with <paramref name="tweaks"/> applied.</summary>
    public static SessionOptions Options(int threads, IEnumerable<string> tweaks)
    {
        var so = Sessions.Options(threads, "cpu");
        foreach (var t in tweaks)
        {
            switch (t)
            {
                case "extended": so.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED; break;
                case "basic": so.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC; break;
                case "parallel": so.ExecutionMode = ExecutionMode.ORT_PARALLEL; so.InterOpNumThreads = 2; break;
                case "noarena": so.EnableCpuMemArena = false; break;
                case "nopattern": so.EnableMemoryPattern = false; break;
                case "pattern": so.EnableMemoryPattern = true; break;
                case "nospin": so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); break;
                case "spin": so.AddSessionConfigEntry("session.intra_op.allow_spinning", "1"); break;
                case "envalloc": so.AddSessionConfigEntry("session.use_env_allocators", "1"); break;
                case "affinity": so.AddSessionConfigEntry("session.intra_op_thread_affinities", "2"); break;
                case "nodenormal": so.AddSessionConfigEntry("session.set_denormal_as_zero", "1"); break;
                case "portable": case "dwconv": case "": break; // graph choices, read by TrainStep
                default: throw new ArgumentException($"unknown session tweak '{t}'.");
            }
        }
        return so;
    }
}
