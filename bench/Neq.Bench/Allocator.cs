using System.Runtime.InteropServices;

namespace Neq.Bench;

/// <summary>
/// The malloc every child process runs with (--allocator), ours and the peer's alike. libtorch takes
/// its CPU tensors from malloc, and glibc's defaults map and unmap every activation buffer above the
/// mmap threshold each step; in a VM that page-fault and munmap traffic made the ResNet-32 step 2.5×
/// slower (docs/onnxruntime-facts.md, "The libtorch peer and the allocator"). The bench compares
/// against the peer at its best, so by default every child gets the faster fix measured here; the
/// extra row <see cref="TorchStepBench.DefaultAllocConfig"/> keeps glibc's defaults for the record.
/// </summary>
static class Allocator
{
    /// <summary>glibc malloc as the system configures it (GLIBC_TUNABLES and LD_PRELOAD unset).</summary>
    public const string Default = "default";

    /// <summary>glibc malloc that keeps buffers up to 32 MiB on its heap and never trims it back to the kernel.</summary>
    public const string GlibcTuned = "glibc-tuned";

    /// <summary>jemalloc in place of glibc malloc, through LD_PRELOAD of Debian's libjemalloc.so.2.</summary>
    public const string Jemalloc = "jemalloc";

    /// <summary>The choices --allocator takes.</summary>
    public static readonly IReadOnlyList<string> Names = [Default, GlibcTuned, Jemalloc];

    /// <summary>
    /// The default: the faster of the two fixes for the peer on this project's machine (libtorch child,
    /// batch 128, 2 threads, 2 interleaved rounds of 5 timed steps; step medians in bench/README.md).
    /// </summary>
    public const string Best = GlibcTuned;

    /// <summary>mmap threshold 32 MiB (the largest activation of the step is 8 MiB), trim threshold 4 GiB.</summary>
    const string Tunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296";

    const string JemallocLibrary = "libjemalloc.so.2";

    /// <summary>
    /// Sets a child's environment for <paramref name="name"/>. Both variables are set or removed
    /// outright, so what the bench itself was started with never leaks into a configuration.
    /// </summary>
    public static void Apply(string name, IDictionary<string, string?> environment)
    {
        environment.Remove("GLIBC_TUNABLES");
        environment.Remove("LD_PRELOAD");
        switch (name)
        {
            case Default: break;
            case GlibcTuned: environment["GLIBC_TUNABLES"] = Tunables; break;
            case Jemalloc: environment["LD_PRELOAD"] = JemallocPath(); break;
            default: throw new ArgumentException($"--allocator takes {string.Join(", ", Names)}, not '{name}'.");
        }
    }

    /// <summary>What the processes of <paramref name="name"/> ran with, for the report.</summary>
    public static string Describe(string name) => name switch
    {
        Default => "glibc malloc with its defaults (no GLIBC_TUNABLES, no LD_PRELOAD)",
        GlibcTuned => $"glibc malloc with GLIBC_TUNABLES={Tunables}",
        Jemalloc => $"jemalloc (LD_PRELOAD={JemallocPath()})",
        _ => throw new ArgumentException($"--allocator takes {string.Join(", ", Names)}, not '{name}'."),
    };

    /// <summary>
    /// Debian's libjemalloc.so.2 (package libjemalloc2) in the multiarch folder of this process's
    /// architecture, or in the usual other library folders; one error saying what to install when absent.
    /// </summary>
    public static string JemallocPath()
    {
        var triplet = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => null,
        };
        var folders = new List<string>();
        if (triplet is not null) folders.AddRange([$"/usr/lib/{triplet}", $"/lib/{triplet}"]);
        folders.AddRange(["/usr/lib64", "/usr/lib", "/usr/local/lib"]);
        return folders.Select(f => Path.Combine(f, JemallocLibrary)).FirstOrDefault(File.Exists)
            ?? throw new ArgumentException(
                $"--allocator jemalloc: no {JemallocLibrary} in {string.Join(", ", folders)}; install it (Debian: apt-get install libjemalloc2).");
    }
}
