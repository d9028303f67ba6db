using CommunityModel.Care;
using CommunityModel.Primitives;
using FluentValidation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Care;

public class CareCalendarTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private static Instant Sh(int y, int m, int d, int h = 0) => new LocalDateTime(y, m, d, h, 0).InZoneStrictly(Shanghai).ToInstant();

    [Fact]
    public void DueBetween_SeedKeyDates_RemindsAheadInTheCustomersZone()
    {
        var calendar = CareCalendar.Create(
        [
            new KeyDate { Customer = MemberId.From("mom-li"), Kind = KeyDateKind.ChildBirthday, Date = new LocalDate(2024, 12, 3), Recurring = true, LeadDays = 5, Note = "Doudou turns 2" },
            new KeyDate { Customer = MemberId.From("mr-zhao"), Kind = KeyDateKind.InsuranceExpiry, Date = new LocalDate(2026, 12, 1), LeadDays = 7, Note = "car insurance" },
            new KeyDate { Customer = MemberId.From("ms-chen"), Kind = KeyDateKind.DecisionDay, Date = new LocalDate(2026, 11, 28), LeadDays = 0, ZoneId = "America/New_York" },
            new KeyDate { Customer = MemberId.From("mom-li"), Kind = KeyDateKind.Birthday, Date = new LocalDate(1992, 3, 8), Recurring = true },
        ]);
        var week = calendar.DueBetween(Sh(2026, 11, 24), Sh(2026, 12, 1));
        Assert.Equal(["mr-zhao", "mom-li", "ms-chen"], week.Select(r => r.Customer.Value));
        Assert.Equal(new LocalDate(2026, 11, 24), week[0].RemindOn);
        Assert.Null(week[0].Years);
        Assert.Equal((new LocalDate(2026, 12, 3), new LocalDate(2026, 11, 28), 2), (week[1].Occurrence, week[1].RemindOn, week[1].Years));
        Assert.Equal(NewYork.AtStartOfDay(new LocalDate(2026, 11, 28)).ToInstant(), week[2].DueAt);   // 13:00 in Shanghai

        var birthday = calendar.DueBetween(Sh(2027, 3, 1), Sh(2027, 3, 31)).Single();
        Assert.Equal((KeyDateKind.Birthday, new LocalDate(2027, 3, 5), 35), (birthday.KeyDate.Kind, birthday.RemindOn, birthday.Years));
    }

    [Fact]
    public void DueBetween_EdgesOfTheInterval_StartIncludedEndExcluded()
    {
        var calendar = CareCalendar.Create([new KeyDate { Customer = MemberId.From("a"), Kind = KeyDateKind.Other, Date = new LocalDate(2026, 5, 10), LeadDays = 0 }]);
        var due = Sh(2026, 5, 10);
        Assert.Single(calendar.DueBetween(due, due + Duration.FromTicks(1)));
        Assert.Empty(calendar.DueBetween(due - Duration.FromHours(24), due));
    }

    [Theory]
    [InlineData(LeapDayRule.February28, 2, 28)]
    [InlineData(LeapDayRule.March1, 3, 1)]
    public void DueBetween_LeapDayBirthday_FollowsTheRuleInCommonYears(LeapDayRule rule, int month, int day)
    {
        var calendar = CareCalendar.Create([new KeyDate { Customer = MemberId.From("leap"), Kind = KeyDateKind.Birthday, Date = new LocalDate(2000, 2, 29), Recurring = true, LeadDays = 0 }], rule);
        var common = calendar.DueBetween(Sh(2027, 2, 1), Sh(2027, 4, 1)).Single();
        Assert.Equal(new LocalDate(2027, month, day), common.Occurrence);
        var leap = calendar.DueBetween(Sh(2028, 2, 1), Sh(2028, 4, 1)).Single();
        Assert.Equal(new LocalDate(2028, 2, 29), leap.Occurrence);
        Assert.Equal(28, leap.Years);
    }

    [Fact]
    public void Create_BadDates_ReportsEveryProblem()
    {
        var ex = Assert.Throws<InvalidInputException>(() => CareCalendar.Create(
        [
            new KeyDate { Customer = MemberId.From("a"), Kind = KeyDateKind.Birthday, Date = new LocalDate(2000, 1, 1), LeadDays = -1, ZoneId = "Nowhere/City" },
            new KeyDate { Customer = MemberId.From("b"), Kind = (KeyDateKind)42, Date = new LocalDate(2000, 1, 1), LeadDays = 400 },
        ]));
        Assert.Equal(["care.kind.unknown", "care.lead.range", "care.lead.range", "care.zone.unknown"], ex.Problems.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Contains(ex.Problems, e => e.Path == "[0].ZoneId");
        Assert.Contains(ex.Problems, e => e.Path == "[1].LeadDays");
    }

    [Property(MaxTest = 200)]
    public Property DueBetween_SplitIntervals_GiveEveryReminderExactlyOnce() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Choose(1, 400).ToArbitrary(), Gen.Choose(1, 399).ToArbitrary(), (seed, days, cut) =>
        {
            var rng = new SeededRandom((ulong)seed);
            string[] zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Auckland"];
            var dates = Enumerable.Range(0, 60).Select(i => new KeyDate
            {
                Customer = MemberId.From("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Kind = (KeyDateKind)rng.NextInt32(6),
                Date = new LocalDate(1990 + rng.NextInt32(40), 1 + rng.NextInt32(12), 1).PlusDays(rng.NextInt32(28) + (rng.NextInt32(50) == 0 ? 28 : 0)),
                Recurring = rng.NextBool(0.5),
                LeadDays = rng.NextInt32(30),
                ZoneId = zones[rng.NextInt32(zones.Length)],
            }).ToList();
            var calendar = CareCalendar.Create(dates);
            var start = Sh(2026, 1, 1) + Duration.FromMinutes(rng.NextInt32(100_000));
            var end = start + Duration.FromDays(days);
            var middle = start + Duration.FromDays(Math.Min(cut, days)) - Duration.FromMinutes(rng.NextInt32(1000));
            middle = middle < start ? start : middle;
            var whole = calendar.DueBetween(start, end);
            var parts = calendar.DueBetween(start, middle).Concat(calendar.DueBetween(middle, end)).ToList();
            var recurringPerYear = whole.Where(r => r.KeyDate.Recurring).GroupBy(r => (r.Customer, r.KeyDate.Kind, r.KeyDate.Date, r.Occurrence.Year)).All(g => g.Count() == 1);
            return whole.SequenceEqual(parts)
                && whole.All(r => r.DueAt >= start && r.DueAt < end && r.RemindOn == r.Occurrence.PlusDays(-r.KeyDate.LeadDays))
                && recurringPerYear;
        });
}
