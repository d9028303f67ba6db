namespace CommunityModel.Referrals;

/// <summary>
/// The sponsor links in force at one instant as flat arrays: a parent per dense index and, when some
/// transfer broke the join order, an explicit top-down order. Children are built on first use.
/// </summary>
internal sealed class TreeSnapshot
{
    private readonly int[]? _order;
    private int[]? _childStart;
    private int[]? _children;

    public TreeSnapshot(int[] parent)
    {
        Parent = parent;
        var ordered = true;
        for (var i = 0; i < parent.Length && ordered; i++)
        {
            ordered = parent[i] < i;
        }

        _order = ordered ? null : TopologicalOrder(parent);
    }

    public int[] Parent { get; }

    public int Count => Parent.Length;

    public int[] Children
    {
        get
        {
            EnsureChildren();
            return _children!;
        }
    }

    /// <summary>True when every parent index is below its child's, so index order is top-down.</summary>
    public bool IsIndexOrdered => _order is null;

    public (int Start, int End) ChildRange(int index)
    {
        EnsureChildren();
        return (_childStart![index], _childStart[index + 1]);
    }

    /// <summary>Indices with every parent before its children.</summary>
    public IEnumerable<int> TopDown()
    {
        if (_order is null)
        {
            for (var i = 0; i < Parent.Length; i++)
            {
                yield return i;
            }
        }
        else
        {
            foreach (var i in _order)
            {
                yield return i;
            }
        }
    }

    /// <summary>Indices with every child before its parent.</summary>
    public IEnumerable<int> BottomUp()
    {
        if (_order is null)
        {
            for (var i = Parent.Length - 1; i >= 0; i--)
            {
                yield return i;
            }
        }
        else
        {
            for (var k = _order.Length - 1; k >= 0; k--)
            {
                yield return _order[k];
            }
        }
    }

    /// <summary>A top-down order as an array (identity when index-ordered).</summary>
    public int[] TopDownArray()
    {
        if (_order is not null)
        {
            return _order;
        }

        var order = new int[Parent.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        return order;
    }

    private void EnsureChildren()
    {
        if (_children is null)
        {
            (_childStart, _children) = BuildChildren(Parent);
        }
    }

    /// <summary>Children of every index in compressed rows: those of i are children[start[i]..start[i+1]), in index order.</summary>
    private static (int[] Start, int[] Children) BuildChildren(int[] parent)
    {
        var n = parent.Length;
        var start = new int[n + 1];
        foreach (var p in parent)
        {
            if (p >= 0)
            {
                start[p + 1]++;
            }
        }

        for (var i = 0; i < n; i++)
        {
            start[i + 1] += start[i];
        }

        var fill = (int[])start.Clone();
        var children = new int[start[n]];
        for (var i = 0; i < n; i++)
        {
            if (parent[i] >= 0)
            {
                children[fill[parent[i]]++] = i;
            }
        }

        return (start, children);
    }

    private static int[] TopologicalOrder(int[] parent)
    {
        // Breadth-first from the roots over the children rows: iterative, O(n).
        var n = parent.Length;
        var (start, children) = BuildChildren(parent);
        var order = new int[n];
        var head = 0;
        var tail = 0;
        for (var i = 0; i < n; i++)
        {
            if (parent[i] < 0)
            {
                order[tail++] = i;
            }
        }

        while (head < tail)
        {
            var u = order[head++];
            for (var k = start[u]; k < start[u + 1]; k++)
            {
                order[tail++] = children[k];
            }
        }

        return order;
    }
}
