using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CommunityModel.Kernels;

/// <summary>Hints to the processor about memory a hot loop will need soon. Never changes a result.</summary>
internal static class CacheHint
{
    /// <summary>
    /// Asks for the cache line holding a location to be fetched into all cache levels. A prefetch never
    /// faults and never blocks, so a stale address (the array moved) costs nothing but the hint; on
    /// processors without the instruction this does nothing.
    /// </summary>
    /// <param name="location">A location inside a live array (its index already bounds-checked).</param>
    /// <typeparam name="T">The element type.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
        }
    }
}
