using System.Buffers.Binary;
using System.Text;

namespace Neq.Bench;

/// <summary>
/// Lets TorchSharp 0.107's native library load on a libstdc++ older than GCC 13's (Debian 12 has
/// GLIBCXX_3.4.30) without touching the system: the bench patches its own copy of
/// libLibTorchSharp.so in its output folder.
/// </summary>
/// <remarks>
/// <para>libLibTorchSharp.so was linked against GCC 13's libstdc++, so its version-needs table
/// (.gnu.version_r) asks libstdc++.so.6 for GLIBCXX_3.4.32. The only symbol bound to that version is
/// <c>std::ios_base_library_init()</c>, a link-time marker GCC 13 emits for &lt;iostream&gt; users: the
/// library has no relocation against it, so nothing ever resolves or calls it. The dynamic loader
/// still refuses the whole library because the version is missing.</para>
/// <para>The patch sets VER_FLG_WEAK (0x2) on that one version-needs entry. For a weak entry glibc's
/// loader treats a missing version as non-fatal (elf/dl-version.c, match_symbol), and as no
/// relocation names the symbol, nothing else changes. It edits two bytes, is idempotent, and writes
/// the file atomically (copy, patch, rename) so a concurrent reader never sees half a file.</para>
/// <para>Layout read here (ELF64, little-endian, System V gABI + GNU symbol versioning):
/// Verneed {u16 vn_version, u16 vn_cnt, u32 vn_file, u32 vn_aux, u32 vn_next};
/// Vernaux {u32 vna_hash, u16 vna_flags, u16 vna_other, u32 vna_name, u32 vna_next}.</para>
/// </remarks>
static class GlibcxxCompat
{
    /// <summary>The native library that needs the patch, as TorchSharp names it.</summary>
    public const string LibraryName = "libLibTorchSharp.so";

    /// <summary>Versions that only mark GCC 13's iostream initialisation and are never bound.</summary>
    static readonly string[] MarkerVersions = ["GLIBCXX_3.4.32"];

    const ushort VerFlagWeak = 0x2;
    const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>
    /// Finds the library next to the bench (or under runtimes/linux-x64/native) and weakens the
    /// marker versions the system's libstdc++ lacks. Returns a line saying what it did, or null when
    /// there was nothing to do.
    /// </summary>
    public static string? PatchNextToApp()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var baseDir = AppContext.BaseDirectory;
        var candidates = new[]
        {
            Path.Combine(baseDir, LibraryName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", LibraryName),
        };
        var done = new List<string>();
        foreach (var path in candidates.Where(File.Exists))
        {
            int n = Patch(path);
            if (n > 0) done.Add($"{path}: marked {n} GLIBCXX marker version requirement(s) weak");
        }
        return done.Count > 0 ? string.Join("\n", done) : null;
    }

    /// <summary>Patches one file in place (atomically); returns how many entries it changed.</summary>
    public static int Patch(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var offsets = MarkerFlagOffsets(bytes);
        if (offsets.Count == 0) return 0;
        foreach (var at in offsets)
        {
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)(flags | VerFlagWeak));
        }
        var tmp = path + ".patching";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
        return offsets.Count;
    }

    /// <summary>File offsets of the vna_flags fields of non-weak marker entries needed from libstdc++.</summary>
    static List<int> MarkerFlagOffsets(byte[] elf)
    {
        var s = elf.AsSpan();
        // e_ident: magic, EI_CLASS 2 = ELF64, EI_DATA 1 = little-endian.
        if (elf.Length < 64 || !s[..4].SequenceEqual("\u007FELF"u8) || s[4] != 2 || s[5] != 1)
            throw new InvalidDataException($"{LibraryName} is not a 64-bit little-endian ELF file.");
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        (uint Type, long Offset, uint Link, uint Info) Section(int i)
        {
            var h = elf.AsSpan((int)(shoff + (long)i * shentsize));
            return (BinaryPrimitives.ReadUInt32LittleEndian(h[4..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(h[0x18..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[0x28..]), BinaryPrimitives.ReadUInt32LittleEndian(h[0x2C..]));
        }
        var found = new List<int>();
        for (int i = 0; i < shnum; i++)
        {
            var sec = Section(i);
            if (sec.Type != ShtGnuVerneed) continue;
            long strtab = Section((int)sec.Link).Offset;
            string Str(uint at)
            {
                int start = (int)(strtab + at), end = start;
                while (elf[end] != 0) end++;
                return Encoding.ASCII.GetString(elf, start, end - start);
            }
            long need = sec.Offset;
            for (uint k = 0; k < sec.Info; k++)
            {
                var vn = s[(int)need..];
                int count = BinaryPrimitives.ReadUInt16LittleEndian(vn[2..]);
                string file = Str(BinaryPrimitives.ReadUInt32LittleEndian(vn[4..]));
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(vn[8..]);
                for (int a = 0; a < count; a++)
                {
                    var va = s[(int)aux..];
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(va[4..]);
                    string name = Str(BinaryPrimitives.ReadUInt32LittleEndian(va[8..]));
                    if (file.StartsWith("libstdc++", StringComparison.Ordinal) && MarkerVersions.Contains(name)
                        && (flags & VerFlagWeak) == 0 && !SystemLibStdCxxHas(name))
                        found.Add((int)aux + 4);
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(va[12..]);
                }
                need += BinaryPrimitives.ReadUInt32LittleEndian(vn[12..]);
            }
        }
        return found;
    }

    /// <summary>Whether the libstdc++ this machine would load defines the version (then nothing needs patching).</summary>
    static bool SystemLibStdCxxHas(string version)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            var lib = Path.Combine(dir, "libstdc++.so.6");
            if (!File.Exists(lib)) continue;
            // The version's name is in the library's .dynstr exactly when it defines (or needs) it;
            // libstdc++ needs no GLIBCXX version from anyone, so presence means it defines it.
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            return File.ReadAllBytes(lib).AsSpan().IndexOf(needle) >= 0;
        }
        return false;
    }
}
