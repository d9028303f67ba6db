using System.Runtime.CompilerServices;

namespace CommunityModel.Primitives;

/// <summary>
/// Sorts items by string keys in ordinal order, as <c>Array.Sort(keys, items, StringComparer.Ordinal)</c> does, for
/// the long lists of ids a run's payouts and a ledger's balances are sorted by: each key's first characters after
/// the prefix all keys share are packed into a 64-bit number, the numbers sorted as numbers, and only keys whose
/// numbers tie compared as strings. For 600,000 member ids that is a few string comparisons instead of twenty each.
/// </summary>
internal static class OrdinalSort
{
    /// <summary>Below this many keys the plain string sort is as fast.</summary>
    private const int Small = 2048;

    /// <summary>Sorts <paramref name="keys"/> ordinally and <paramref name="items"/> with them (same lengths).</summary>
    /// <param name="keys">The keys, none null.</param>
    /// <param name="items">One item per key.</param>
    /// <typeparam name="T">The items' type.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort<T>(string[] keys, T[] items)
    {
        var n = keys.Length;
        if (n < Small)
        {
            Array.Sort(keys, items, StringComparer.Ordinal);
            return;
        }

        // The prefix every key shares says nothing about the order: the packed characters start after it.
        var first = keys[0];
        var common = first.Length;
        var narrow = true;
        for (var i = 1; i < n && common > 0; i++)
        {
            common = Math.Min(common, first.AsSpan(0, common).CommonPrefixLength(keys[i]));
        }

        for (var i = 0; i < n && narrow; i++)
        {
            var key = keys[i];
            for (var j = common; j < Math.Min(key.Length, common + 8); j++)
            {
                if (key[j] > 0xFF)
                {
                    narrow = false;
                    break;
                }
            }
        }

        // Eight characters of one byte each (every key's are below 256 there), or four of two bytes, the first the
        // most significant: a key that ends is padded with zeros, so a shorter key never packs above a longer one
        // it begins, and keys that pack alike are compared as strings.
        var packed = new ulong[n];
        var order = new int[n];
        var width = narrow ? 8 : 4;
        var shift = narrow ? 8 : 16;
        for (var i = 0; i < n; i++)
        {
            var key = keys[i];
            ulong p = 0;
            for (var j = 0; j < width; j++)
            {
                var at = common + j;
                p = (p << shift) | (at < key.Length ? key[at] : 0u);
            }

            packed[i] = p;
            order[i] = i;
        }

        Array.Sort(packed, order);
        Comparison<int> byText = (a, b) => string.CompareOrdinal(keys[a], keys[b]);
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && packed[end] == packed[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                order.AsSpan(start, end - start).Sort(byText);
            }

            start = end;
        }

        var sortedKeys = new string[n];
        var sortedItems = new T[n];
        for (var k = 0; k < n; k++)
        {
            sortedKeys[k] = keys[order[k]];
            sortedItems[k] = items[order[k]];
        }

        sortedKeys.CopyTo(keys, 0);
        sortedItems.CopyTo(items, 0);
    }
}
