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

    /// <summary>
    /// Asks for the first two cache lines of an object (its header and first fields) to be fetched. The object's
    /// address is taken without pinning: should the collector move it before the hint runs, the hint goes to the old
    /// place and costs nothing.
    /// </summary>
    /// <param name="value">A live object, or null (then nothing).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchObject(object? value)
    {
        if (Sse.IsSupported && value is not null)
        {
            var at = (byte*)Unsafe.AsPointer(ref Unsafe.As<RawData>(value).Data);
            Sse.Prefetch0(at);
            Sse.Prefetch0(at + 48);
        }
    }

    /// <summary>Any object seen as its first byte of fields, for <see cref="PrefetchObject"/>.</summary>
    private sealed class RawData
    {
#pragma warning disable CS0649 // never written: only its address is taken
        public byte Data;
#pragma warning restore CS0649
    }
}
