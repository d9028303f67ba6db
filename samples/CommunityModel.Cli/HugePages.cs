using System.Globalization;
using System.Runtime.InteropServices;

namespace CommunityModel.Cli;

/// <summary>
/// Asks Linux to back the runtime's heap with transparent huge pages (2 MiB instead of 4 KiB). A payout job touches
/// hundreds of megabytes to gigabytes of fresh memory, and on a virtual machine every 4 KiB page fault is expensive;
/// with huge pages there are 512 times fewer faults and the member index's random lookups miss the TLB far less.
/// Most distributions set transparent huge pages to <c>madvise</c>, so a process must ask for them: this marks the
/// large anonymous reservations the runtime makes at start-up (its heap) with <c>madvise(MADV_HUGEPAGE)</c>.
/// Nothing else changes: where the kernel has them off (<c>never</c>) or the call fails, the process runs as before.
/// Turned off with <c>COMMUNITY_HUGE_PAGES=0</c>.
/// </summary>
internal static partial class HugePages
{
    private const int AdviseHugePage = 14;          // MADV_HUGEPAGE
    private const ulong LargeMapping = 256UL << 20; // the heap's reservation, not libraries' or stacks'

    /// <summary>Marks the runtime's large anonymous mappings for huge pages.</summary>
    /// <param name="setting">The value of <c>COMMUNITY_HUGE_PAGES</c>: <c>0</c> turns this off.</param>
    /// <returns>How many mappings were marked (0 off Linux, when turned off, or when the kernel refused).</returns>
    public static int Advise(string? setting)
    {
        if (!OperatingSystem.IsLinux() || setting is "0" or "false")
        {
            return 0;
        }

        var advised = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (LargeAnonymous(line) is var (start, length) && length >= LargeMapping
                    && Madvise((nint)start, (nuint)length, AdviseHugePage) == 0)
                {
                    advised++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            // No /proc or no madvise: nothing is marked, and nothing else changes.
        }

        return advised;
    }

    /// <summary>
    /// The start and length of an anonymous mapping from a line of <c>/proc/self/maps</c>
    /// (<c>start-end perms offset dev inode [path]</c>); null for a mapping with a path (a file, the stack, the vdso).
    /// </summary>
    internal static (ulong Start, ulong Length)? LargeAnonymous(ReadOnlySpan<char> line)
    {
        Span<Range> fields = stackalloc Range[7];
        var count = line.Split(fields, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (count != 5)
        {
            return null;
        }

        var range = line[fields[0]];
        var dash = range.IndexOf('-');
        if (dash <= 0
            || !ulong.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || end <= start)
        {
            return null;
        }

        return (start, end - start);
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
