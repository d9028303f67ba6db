using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Membership;

/// <summary>A membership book read from its snapshot goes on exactly as the book it was written from.</summary>
public class MembershipSnapshotTests
{
    private static MembershipBook RoundTrip(MembershipBook book, ReferralTree tree, MembershipPolicy policy)
    {
        using var stream = new MemoryStream();
        book.WriteSnapshot(stream);
        stream.WriteByte(0x5A); // the reader stops at the snapshot's end
        stream.Position = 0;
        var read = MembershipBook.ReadSnapshot(stream, tree, policy);
        Assert.Equal(stream.Length - 1, stream.Position);
        return read;
    }

    [Property(MaxTest = 120)]
    public Property MonthlyEvaluationsLocksAndGrants_GoOnTheSameAfterASnapshot() =>
        Prop.ForAll(Arb.From(MembershipGens.Case(20, 30)), Arb.From(Gen.Choose(0, 5)), (p, cut) =>
        {
            var tree = ReferralTree.Build(p.Joins());
            var facts = MembershipFacts.Build(tree, Currency.CNY, p.OrderList());
            var straight = MembershipBook.Create(tree, p.Policy);
            var reopened = MembershipBook.Create(tree, p.Policy);
            var zone = ProgramCase.Shanghai;
            var m0 = tree.MemberAt(0);
            for (var month = 1; month <= 6; month++)
            {
                var end = new LocalDate(2026, month, 1).PlusMonths(1).AtStartOfDayInZone(zone).ToInstant();
                foreach (var book in new[] { straight, reopened })
                {
                    book.Evaluate(facts, end - Duration.FromDays(10));
                    if (month == 2)
                    {
                        book.Grant(m0, p.Policy.Tiers[^1].Id, "launch gift", "ops", end - Duration.FromDays(9), end + Duration.FromDays(40));
                    }

                    if (month == 3 && tree.Count > 1)
                    {
                        book.Lock(tree.MemberAt(1), p.Policy.Tiers[^1].Id, "partner contract", "ops", end - Duration.FromDays(8), end + Duration.FromDays(50));
                    }

                    book.Evaluate(facts, end, EvaluationKind.Period);
                }

                if (month >= cut)
                {
                    reopened = RoundTrip(reopened, tree, p.Policy);
                }
            }

            var problems = new List<string>();
            if (!straight.Ranks().SequenceEqual(reopened.Ranks()))
            {
                problems.Add("ranks differ");
            }

            if (!straight.Changes.SequenceEqual(reopened.Changes))
            {
                problems.Add("changes differ");
            }

            for (var m = 0; m < tree.Count; m++)
            {
                var id = tree.MemberAt(m);
                if (!straight.History(id).SequenceEqual(reopened.History(id)) || straight.LockOf(id) != reopened.LockOf(id))
                {
                    problems.Add($"{id}: history or lock differs");
                }
            }

            var at = new LocalDate(2026, 7, 10).AtStartOfDayInZone(zone).ToInstant();
            if (!straight.Standings(at).SequenceEqual(reopened.Standings(at)))
            {
                problems.Add("standings differ");
            }

            var a = straight.ExplainAll(facts, at).Select(e => e.ToString()).ToList();
            var b = reopened.ExplainAll(facts, at).Select(e => e.ToString()).ToList();
            if (!a.SequenceEqual(b))
            {
                problems.Add("explanations differ");
            }

            // Both go on alike: a later evaluation gives the same summary.
            if (!straight.Evaluate(facts, at, EvaluationKind.Period).Changes.SequenceEqual(reopened.Evaluate(facts, at, EvaluationKind.Period).Changes))
            {
                problems.Add("a later evaluation differs");
            }

            return (problems.Count == 0).Label(string.Join("; ", problems));
        });

    [Fact]
    public void ASnapshot_IsRefusedUnderOtherPoliciesOrMembers_AndWhenCutShort()
    {
        var p = MembershipGens.Case(5, 5).Sample(1, 1).Single();
        var tree = ReferralTree.Build(p.Joins());
        var book = MembershipBook.Create(tree, p.Policy);
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, p.OrderList()), ProgramCase.T);
        using var stream = new MemoryStream();
        book.WriteSnapshot(stream);
        var bytes = stream.ToArray();

        var other = MembershipPolicy.Create(p.Policy with { Version = "v2" });
        var e = Assert.Throws<InvalidInputException>(() => MembershipBook.ReadSnapshot(new MemoryStream(bytes), tree, other));
        Assert.Equal("membership.snapshot.invalid", Assert.Single(e.Problems).Code);

        var renamed = ReferralTree.Build(p.Joins().Select(j => j with { Member = MemberId.From("x" + j.Member.Value) }).ToList()
            .Select(j => j with { Sponsor = j.Sponsor is { } s ? MemberId.From("x" + s.Value) : null }));
        Assert.Equal("membership.snapshot.invalid", Assert.Single(Assert.Throws<InvalidInputException>(() => MembershipBook.ReadSnapshot(new MemoryStream(bytes), renamed, p.Policy)).Problems).Code);

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var cutShort = Assert.Throws<InvalidInputException>(() => MembershipBook.ReadSnapshot(new MemoryStream(bytes[..cut]), tree, p.Policy));
            Assert.Equal("membership.snapshot.invalid", Assert.Single(cutShort.Problems).Code);
        }

        // Every flipped byte: refused with the snapshot's code, or read into a book that answers everything.
        for (var at = 0; at < bytes.Length; at++)
        {
            foreach (var flip in new byte[] { 0x01, 0x80 })
            {
                var damaged = (byte[])bytes.Clone();
                damaged[at] ^= flip;
                try
                {
                    var damagedBook = MembershipBook.ReadSnapshot(new MemoryStream(damaged), tree, p.Policy);
                    _ = damagedBook.Ranks();
                    _ = damagedBook.Standings(ProgramCase.T);
                    _ = damagedBook.Changes.Count;
                }
                catch (InvalidInputException refused)
                {
                    Assert.Contains(refused.Problems, problem => problem.Code == "membership.snapshot.invalid");
                }
            }
        }

        // A tree that extends the book's: the new member starts in the base tier.
        var grown = ReferralTree.Build(p.Joins().Append(new JoinRecord(MemberId.From("newcomer"), tree.MemberAt(0), ProgramCase.T)));
        var read = MembershipBook.ReadSnapshot(new MemoryStream(bytes), grown, p.Policy);
        Assert.Equal(p.Policy.Tiers[0].Id, read.TierOf(MemberId.From("newcomer")));
        Assert.Equal(book.Ranks(), read.Ranks()[..^1]);
    }
}
