using BenchmarkDotNet.Attributes;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Building the 1M-member tree (preferential attachment with deep chains, <see cref="BenchmarkData"/>) from join
/// records as a members file gives them, ids as text, in join order: <see cref="ReferralTreeBuilder"/> (each id
/// interned once into the table that becomes the tree's index; ids given as spans, or as strings kept as the tree's
/// ids) against what applications usually write, a dictionary of member objects linked to their sponsors.
/// </summary>
[MemoryDiagnoser]
public class TreeBuildBenchmarks
{
    private string[] _member = [];
    private string[] _sponsor = [];
    private Instant[] _joined = [];

    [GlobalSetup]
    public void Setup()
    {
        var data = BenchmarkData.Create(1_000_000, 0);
        var n = data.JoinParent.Length;
        _member = new string[n];
        _sponsor = new string[n];
        _joined = new Instant[n];
        for (var i = 0; i < n; i++)
        {
            // Fresh strings, as a reader makes them (not the tree's own, which the builder would find by reference).
            _member[i] = new string(data.Tree.MemberAt(i).Value.AsSpan());
            _sponsor[i] = data.JoinParent[i] < 0 ? string.Empty : new string(data.Tree.MemberAt(data.JoinParent[i]).Value.AsSpan());
            _joined[i] = data.Tree.JoinedAtIndex(i);
        }
    }

    [Benchmark(Baseline = true)]
    public int DictionaryOfMembers()
    {
        var members = new Dictionary<string, Node>(_member.Length, StringComparer.Ordinal);
        for (var i = 0; i < _member.Length; i++)
        {
            var node = new Node(_member[i], _joined[i]);
            members.Add(node.Id, node);
            if (_sponsor[i].Length > 0)
            {
                var sponsor = members[_sponsor[i]];
                node.Sponsor = sponsor;
                sponsor.Referrals.Add(node);
            }
        }

        return members.Count;
    }

    [Benchmark]
    public int Builder()
    {
        var builder = new ReferralTreeBuilder(_member.Length);
        for (var i = 0; i < _member.Length; i++)
        {
            builder.Add(_member[i].AsSpan(), _sponsor[i].AsSpan(), _joined[i]);
        }

        return builder.Build().Count;
    }

    /// <summary>The ids given as strings: each member's string becomes the tree's id (no copy).</summary>
    [Benchmark]
    public int BuilderFromStrings()
    {
        var builder = new ReferralTreeBuilder(_member.Length);
        for (var i = 0; i < _member.Length; i++)
        {
            builder.Add(_member[i], _sponsor[i], _joined[i]);
        }

        return builder.Build().Count;
    }

    private sealed class Node(string id, Instant joined)
    {
        public string Id { get; } = id;

        public Instant Joined { get; } = joined;

        public Node? Sponsor { get; set; }

        public List<Node> Referrals { get; } = [];
    }
}
