using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Referrals;

public class ReferralTreeTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static JoinRecord J(string m, string? s, int minutes) => new(MemberId.From(m), s is null ? (MemberId?)null : new MemberId(s), T0 + Duration.FromMinutes(minutes));

    [Fact]
    public void Build_AnyInputOrder_GivesTheSameLinksAndSponsorBeforeMember()
    {
        var records = new[] { J("c", "b", 3), J("a", null, 1), J("d", "a", 4), J("b", "a", 2) };
        var t1 = ReferralTree.Build(records);
        var t2 = ReferralTree.Build(records.Reverse());
        foreach (var m in new[] { "a", "b", "c", "d" })
        {
            Assert.Equal(t1.SponsorOf(MemberId.From(m)), t2.SponsorOf(MemberId.From(m)));
            Assert.Equal(t1.IndexOf(MemberId.From(m)), t2.IndexOf(MemberId.From(m)));
            if (t1.SponsorOf(MemberId.From(m)) is { } s)
            {
                Assert.True(t1.IndexOf(s) < t1.IndexOf(MemberId.From(m)));
            }
        }

        Assert.Equal(["b", "a"], t1.Upline(MemberId.From("c"), 5).Select(x => x.Value));
        Assert.Equal(["b"], t1.Upline(MemberId.From("c"), 1).Select(x => x.Value));
        Assert.Equal(2, t1.Depth(MemberId.From("c")));
        Assert.Equal(["b", "d"], t1.DirectReferrals(MemberId.From("a")).Select(x => x.Value).Order(StringComparer.Ordinal));
        Assert.Equal(3, t1.DownlineSize(MemberId.From("a")));
        Assert.Equal(0, t1.DownlineSize(MemberId.From("c")));
    }

    /// <summary>
    /// The builder interns ids into the table that becomes the tree's index (growing from any capacity hint): every
    /// member is found by its id with its join instant, one by one and many at once, and nothing else is found, for
    /// ids that share long prefixes, differ only after 8 or 16 characters, are not ASCII, or are 1 to 40 characters.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property Index_FindsEveryMemberAndNothingElse() =>
        Prop.ForAll(
            Gen.Choose(1, 3000).ToArbitrary(),
            Gen.Choose(0, 1_000_000).ToArbitrary(),
            Gen.Elements(0, 1, 16, 5000).ToArbitrary(),
            (n, seed, capacity) =>
            {
                var random = new Random(seed);
                string[] stems = ["m", "member-00000", "会员", "abcdefgh", "abcdefghijklmnop", "x"];
                string IdOf(int i) => stems[i % stems.Length] + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + (i % 7 == 0 ? "é" : string.Empty);
                var builder = new ReferralTreeBuilder(capacity);
                for (var i = 0; i < n; i++)
                {
                    builder.Add(IdOf(i), i == 0 ? default : IdOf(random.Next(i)), T0 + Duration.FromMinutes(i / 3));
                }

                var tree = builder.Build();
                var keys = new System.Text.StringBuilder();
                var ends = new int[n];
                for (var i = 0; i < n; i++)
                {
                    var id = IdOf(i);
                    if (!tree.TryGetIndex(id.AsSpan(), out var index, out var joined) || tree.MemberAt(index).Value != id || joined != T0 + Duration.FromMinutes(i / 3))
                    {
                        return false.Label($"{id} not found, or found with the wrong member or instant");
                    }

                    keys.Append(id);
                    ends[i] = keys.Length;
                }

                var indices = new int[n];
                var ticks = new long[n];
                tree.GetIndices(keys.ToString(), ends, indices, ticks);
                for (var i = 0; i < n; i++)
                {
                    if (tree.MemberAt(indices[i]).Value != IdOf(i) || ticks[i] != (T0 + Duration.FromMinutes(i / 3)).ToUnixTimeTicks())
                    {
                        return false.Label($"{IdOf(i)} found wrongly among many");
                    }
                }

                // Not members: the next ids, a prefix, an id with one more character, an empty key.
                string[] strangers = [IdOf(n), IdOf(n + 1), IdOf(n - 1)[..^1], IdOf(n - 1) + "0", "", IdOf(n - 1).ToUpperInvariant() + "Z"];
                return strangers.All(x => !tree.TryGetIndex(x.AsSpan(), out _) || tree.MemberAt(tree.IndexOf(new MemberId(x))).Value == x)
                    .Label("a key that is not a member was found");
            });

    /// <summary>
    /// Ids of 1 to 8 characters are compared by their packed characters alone: any two different ids of one length,
    /// whatever their characters (NUL, above 255, surrogates), must stay different.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Index_TellsApartEveryShortId() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            char[] alphabet = ['a', 'b', '\0', '\u0001', '\u0100', '\u0101', '\u00ff', '\uffff', '\ud800', '\udc00', 'z'];
            string Next() => new([.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var members = Enumerable.Range(0, random.Next(1, 400)).Select(_ => Next()).Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
            var builder = new ReferralTreeBuilder();
            foreach (var id in members)
            {
                builder.Add(id, null, T0);
            }

            var tree = builder.Build();
            var found = members.All(id => tree.TryGetIndex(id.AsSpan(), out var i) && tree.MemberAt(i).Value == id);
            var others = Enumerable.Range(0, 400).Select(_ => Next()).Where(id => !members.Contains(id, StringComparer.Ordinal));
            var strangers = others.All(id => !tree.TryGetIndex(id.AsSpan(), out _));
            return found.Label("a member not found").And(strangers.Label("an id that is no member's found"));
        });

    [Fact]
    public void Builder_KeepsTheIdStringsItIsGiven_AndCopiesSpans()
    {
        var a = new string("alpha".AsSpan());
        var b = new string("beta".AsSpan());
        var builder = new ReferralTreeBuilder();
        builder.Add(a, null, T0);
        builder.Add(b, new string("alpha".AsSpan()), T0 + Duration.FromMinutes(1));
        builder.Add("gamma".AsSpan(), "beta".AsSpan(), T0 + Duration.FromMinutes(2));
        var tree = builder.Build();
        Assert.Same(a, tree.MemberAt(tree.IndexOf(MemberId.From("alpha"))).Value);
        Assert.Same(b, tree.MemberAt(tree.IndexOf(MemberId.From("beta"))).Value);
        Assert.Equal("beta", tree.SponsorOf(MemberId.From("gamma"))!.Value.Value);
        Assert.Throws<ArgumentNullException>(() => new ReferralTreeBuilder().Add(null!, "x", T0));
        Assert.Throws<ArgumentException>(() => new ReferralTreeBuilder().Add(" ", null, T0));
    }

    /// <summary>
    /// Records added many at a time (in groups of any size, as concatenated keys or as member strings) build what
    /// adding them one by one builds: the same members, sponsors and join instants, or the same problems at the same
    /// records. Ids repeat, sponsors are unknown, themselves, in cycles, or empty; ids are short, past 8 and 16
    /// characters, or not ASCII; some inputs cross the builder's blocks of 16 and 4,096 records.
    /// </summary>
    [Property(MaxTest = 100)]
    public Property AddMany_InGroupsOfAnySize_BuildsWhatAddingOneByOneBuilds() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            var n = random.Next(8) == 0 ? random.Next(4000, 9000) : random.Next(0, 400);
            var pool = Math.Max(1, n + random.Next(-n / 10, 3));
            string[] stems = ["m", "会员", "member-000000000", "abcdefghijklmnopq", "x"];
            string IdOf(int i) => stems[i % stems.Length] + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var records = new (string Member, string Sponsor, Instant At)[n];
            for (var i = 0; i < n; i++)
            {
                // Mostly a member new in file order whose sponsor came before; now and then a repeat, a stranger, itself.
                var member = random.Next(20) == 0 ? IdOf(random.Next(pool)) : IdOf(i);
                var sponsor = i == 0 || random.Next(10) == 0 ? string.Empty
                    : random.Next(40) == 0 ? "stranger-" + random.Next(3)
                    : random.Next(60) == 0 ? member
                    : IdOf(random.Next(random.Next(8) == 0 ? pool : i));
                records[i] = (member, sponsor, T0 + Duration.FromMinutes(random.Next(4) == 0 ? random.Next(n + 1) : i));
            }

            var one = new ReferralTreeBuilder(random.Next(3) == 0 ? 0 : n);
            foreach (var (member, sponsor, at) in records)
            {
                one.Add(member.AsSpan(), sponsor.AsSpan(), at);
            }

            var many = new ReferralTreeBuilder(random.Next(3) == 0 ? 0 : n);
            for (var from = 0; from < n;)
            {
                var count = Math.Min(n - from, random.Next(4) == 0 ? random.Next(1, 40) : random.Next(1, n + 1));
                var group = records.AsSpan(from, count);
                var sponsorKeys = string.Concat(group.ToArray().Select(r => r.Sponsor));
                var sponsorEnds = group.ToArray().Select(r => r.Sponsor.Length).ToArray();
                for (var i = 1; i < count; i++)
                {
                    sponsorEnds[i] += sponsorEnds[i - 1];
                }

                var joined = group.ToArray().Select(r => r.At).ToArray();
                int first;
                if (random.Next(2) == 0)
                {
                    var memberEnds = group.ToArray().Select(r => r.Member.Length).ToArray();
                    for (var i = 1; i < count; i++)
                    {
                        memberEnds[i] += memberEnds[i - 1];
                    }

                    first = many.AddMany(string.Concat(group.ToArray().Select(r => r.Member)), memberEnds, sponsorKeys, sponsorEnds, joined);
                }
                else
                {
                    first = many.AddMany([.. group.ToArray().Select(r => r.Member)], sponsorKeys, sponsorEnds, joined);
                }

                if (first != from)
                {
                    return false.Label($"the group at {from} was given position {first}");
                }

                from += count;
            }

            var builtOne = one.TryBuild(out var a, out var problemsOne);
            var builtMany = many.TryBuild(out var b, out var problemsMany);
            if (builtOne != builtMany)
            {
                return false.Label($"built one by one: {builtOne}, many at a time: {builtMany}");
            }

            if (!builtOne)
            {
                var x = problemsOne.Select(p => (p.Member.Value, p.Kind, p.Detail, p.Record));
                var y = problemsMany.Select(p => (p.Member.Value, p.Kind, p.Detail, p.Record));
                return x.SequenceEqual(y).Label($"problems differ: {string.Join("; ", x.Take(3))} / {string.Join("; ", y.Take(3))}");
            }

            var same = a!.Count == b!.Count && Enumerable.Range(0, a.Count).All(i =>
                a.MemberAt(i) == b.MemberAt(i) && a.SponsorOf(a.MemberAt(i)) == b.SponsorOf(b.MemberAt(i)) && a.JoinedAt(a.MemberAt(i)) == b.JoinedAt(b.MemberAt(i)));
            return same.Label("the trees differ");
        });

    [Fact]
    public void AddMany_RefusesBadInputWhole_AndKeepsTheStringsItIsGiven()
    {
        var builder = new ReferralTreeBuilder();
        builder.Add("root", null, T0);

        // Lengths that differ, ends that go back or past their keys, a blank or null member: nothing is added.
        Assert.Throws<ArgumentException>(() => builder.AddMany("ab", [1, 2], "", [0], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany("ab", [1, 2], "", [0, 0], [T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany("ab", [2, 1], "", [0, 0], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany("ab", [1, 3], "", [0, 0], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany("ab", [1, 2], "root", [4, 5], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany("a b", [1, 2, 3], "", [0, 0, 0], [T0, T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany(["a", null!], "", [0, 0], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany(["a", "  "], "", [0, 0], [T0, T0]));
        Assert.Throws<ArgumentException>(() => builder.AddMany(["a"], "root", [4, 4], [T0]));
        Assert.Equal(1, builder.Count);

        var alpha = new string("alpha".AsSpan());
        Assert.Equal(1, builder.AddMany([alpha, "beta"], "rootalpha", [4, 9], [T0 + Duration.FromMinutes(1), T0 + Duration.FromMinutes(2)]));
        Assert.Equal(3, builder.AddMany("gammadelta", [5, 10], "betagamma", [4, 9], [T0 + Duration.FromMinutes(3), T0 + Duration.FromMinutes(4)]));
        var tree = builder.Build();
        Assert.Same(alpha, tree.MemberAt(tree.IndexOf(MemberId.From("alpha"))).Value);
        Assert.Equal(["root", "alpha", "beta", "gamma", "delta"], Enumerable.Range(0, tree.Count).Select(i => tree.MemberAt(i).Value));
        Assert.Equal("gamma", tree.SponsorOf(MemberId.From("delta"))!.Value.Value);
        Assert.Equal(T0 + Duration.FromMinutes(4), tree.JoinedAt(MemberId.From("delta")));
        Assert.Throws<InvalidOperationException>(() => builder.AddMany(["late"], "", [0], [T0]));
    }

    [Fact]
    public void Build_BadInput_ListsEveryOffenderAndBuildsNothing()
    {
        var records = new[]
        {
            J("root", null, 0),
            J("dup", "root", 1), J("dup", "root", 2),
            J("self", "self", 3),
            J("orphan", "ghost", 4),
            J("early", "late", 5), J("late", "root", 9),
            J("x", "y", 10), J("y", "z", 10), J("z", "x", 10),
        };
        Assert.False(ReferralTree.TryBuild(records, out var tree, out var problems));
        Assert.Null(tree);
        var found = problems.Select(p => (p.Member.Value, p.Kind)).ToHashSet();
        Assert.Contains(("dup", ReferralProblemKind.DuplicateMember), found);
        Assert.Contains(("self", ReferralProblemKind.SelfSponsorship), found);
        Assert.Contains(("orphan", ReferralProblemKind.UnknownSponsor), found);
        Assert.Contains(("early", ReferralProblemKind.SponsorJoinedAfterMember), found);
        Assert.Contains(("x", ReferralProblemKind.Cycle), found);
        Assert.Contains(("y", ReferralProblemKind.Cycle), found);
        Assert.Contains(("z", ReferralProblemKind.Cycle), found);
        var ex = Assert.Throws<InvalidInputException>(() => ReferralTree.Build(records));
        Assert.IsType<ReferralTreeMustBeConsistentRule>(ex.Rule);
        Assert.Contains("orphan: UnknownSponsor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transfer_IsEffectiveDatedAndValidated()
    {
        var tree = ReferralTree.Build([J("a", null, 0), J("b", "a", 1), J("c", "b", 2), J("d", null, 3)]);
        var moved = tree.WithTransfer(new SponsorTransfer(MemberId.From("c"), MemberId.From("d"), T0 + Duration.FromDays(5), "customer asked to join the Pudong team"));
        Assert.Equal("b", tree.SponsorOf(MemberId.From("c"))!.Value.Value);
        Assert.Equal("b", moved.SponsorOf(MemberId.From("c"), T0 + Duration.FromDays(5) - Duration.Epsilon)!.Value.Value);
        Assert.Equal("d", moved.SponsorOf(MemberId.From("c"), T0 + Duration.FromDays(5))!.Value.Value);
        Assert.Equal("d", moved.SponsorOf(MemberId.From("c"))!.Value.Value);
        Assert.Equal(1, moved.DownlineSize(MemberId.From("d")));
        Assert.Equal(2, moved.DownlineSize(MemberId.From("a"), T0 + Duration.FromDays(1)));
        Assert.Equal(1, moved.DownlineSize(MemberId.From("a")));

        InvalidInputException Reject(SponsorTransfer t) => Assert.Throws<InvalidInputException>(() => moved.WithTransfer(t));
        Assert.Contains(ReferralProblemKind.TransferIntoOwnDownline, Kinds(Reject(new SponsorTransfer(MemberId.From("d"), MemberId.From("c"), T0 + Duration.FromDays(6), "x"))));
        Assert.Contains(ReferralProblemKind.TransferOutOfOrder, Kinds(Reject(new SponsorTransfer(MemberId.From("b"), MemberId.From("d"), T0 + Duration.FromDays(4), "x"))));
        Assert.Contains(ReferralProblemKind.MissingReason, Kinds(Reject(new SponsorTransfer(MemberId.From("b"), MemberId.From("d"), T0 + Duration.FromDays(6), " "))));
        Assert.Contains(ReferralProblemKind.UnknownSponsor, Kinds(Reject(new SponsorTransfer(MemberId.From("b"), MemberId.From("ghost"), T0 + Duration.FromDays(6), "x"))));
        Assert.Contains(ReferralProblemKind.SelfSponsorship, Kinds(Reject(new SponsorTransfer(MemberId.From("b"), MemberId.From("b"), T0 + Duration.FromDays(6), "x"))));
    }

    [Fact]
    public void Transfer_ToALaterJoiner_KeepsBottomUpPassesCorrect()
    {
        // b (index 1) moves under c (index 2): the sponsor now has the larger index.
        var tree = ReferralTree.Build([J("a", null, 0), J("b", null, 1), J("c", "a", 2), J("d", "b", 3)])
            .WithTransfer(new SponsorTransfer(MemberId.From("b"), MemberId.From("c"), T0 + Duration.FromDays(1), "merged teams"));
        var sizes = tree.DownlineSizes();
        Assert.Equal(3, sizes[tree.IndexOf(MemberId.From("a"))]);
        Assert.Equal(2, sizes[tree.IndexOf(MemberId.From("c"))]);
        Assert.Equal(3, tree.Depths()[tree.IndexOf(MemberId.From("d"))]);
        var volumes = tree.SubtreeVolumes([tree.IndexOf(MemberId.From("d"))], [5L]);
        Assert.Equal(5L, volumes[tree.IndexOf(MemberId.From("a"))]);
        Assert.Equal(1, tree.DownlineSizes(T0)[tree.IndexOf(MemberId.From("a"))]);
    }

    private static IEnumerable<ReferralProblemKind> Kinds(InvalidInputException ex) => ((ReferralTreeMustBeConsistentRule)ex.Rule!).Problems.Select(p => p.Kind);

    [Fact]
    public void MillionLevelChain_EveryOperationWorksWithoutRecursion()
    {
        const int n = 1_000_000;
        var records = new JoinRecord[n];
        for (var i = 0; i < n; i++)
        {
            records[i] = new JoinRecord(MemberId.From("m" + i), i == 0 ? (MemberId?)null : new MemberId("m" + (i - 1)), T0 + Duration.FromSeconds(i));
        }

        Array.Reverse(records);
        var tree = ReferralTree.Build(records);
        var last = "m" + (n - 1);
        Assert.Equal(n - 1, tree.Depth(MemberId.From(last)));
        Assert.Equal(n - 1, tree.DownlineSize(MemberId.From("m0")));
        Assert.Equal(n - 1, tree.DownlineSizes()[tree.IndexOf(MemberId.From("m0"))]);
        Assert.Equal(n - 1, tree.Depths()[tree.IndexOf(MemberId.From(last))]);
        Assert.Equal(3, tree.Upline(MemberId.From(last), 3).Count);
        var volumes = tree.SubtreeVolumes([tree.IndexOf(MemberId.From(last))], [7L]);
        Assert.Equal(7L, volumes[tree.IndexOf(MemberId.From("m0"))]);
        var ex = Assert.Throws<InvalidInputException>(() => tree.WithTransfer(new SponsorTransfer(MemberId.From("m10"), MemberId.From(last), T0 + Duration.FromDays(30), "test")));
        Assert.Contains(ReferralProblemKind.TransferIntoOwnDownline, Kinds(ex));
        var moved = tree.WithTransfer(new SponsorTransfer(MemberId.From(last), MemberId.From("m0"), T0 + Duration.FromDays(30), "test"));
        Assert.Equal(1, moved.Depth(MemberId.From(last)));
        Assert.Equal(n - 2, moved.Depths()[tree.IndexOf(MemberId.From("m" + (n - 2)))]);
    }

    [Property(MaxTest = 100)]
    public Property Queries_AgreeWithANaiveRecomputation() =>
        Prop.ForAll(Arb.From(TreeGens.Shape(80)), parent =>
        {
            var c = new Community(parent, new int[parent.Length], Enumerable.Repeat(true, parent.Length).ToArray(), []);
            var tree = c.Tree();
            var sizes = tree.DownlineSizes();
            var depths = tree.Depths();
            var ok = true;
            for (var i = 0; i < parent.Length; i++)
            {
                var id = Community.Id(i);
                var idx = tree.IndexOf(MemberId.From(id));
                var naiveDepth = 0;
                for (var p = parent[i]; p >= 0; p = parent[p])
                {
                    naiveDepth++;
                }

                var naiveSize = Enumerable.Range(0, parent.Length).Count(j =>
                {
                    for (var p = parent[j]; p >= 0; p = parent[p])
                    {
                        if (p == i)
                        {
                            return true;
                        }
                    }

                    return false;
                });
                ok &= depths[idx] == naiveDepth && tree.Depth(MemberId.From(id)) == naiveDepth && sizes[idx] == naiveSize && tree.DownlineSize(MemberId.From(id)) == naiveSize
                    && tree.DirectReferrals(MemberId.From(id)).Count == parent.Count(p => p == i);
            }

            return ok;
        });
}
