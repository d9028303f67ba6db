using CommunityModel.Groups;
using CommunityModel.Primitives;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Groups;

/// <summary>
/// Group activity is measured in two places for two purposes (a replayed group's band in Groups, dialogue
/// structure across groups in Scoring); the figures they share are one definition: the same messages give the
/// same count, speakers and dialogue ratio in both.
/// </summary>
public class ActivityMeasuresTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Instant T0 = new LocalDateTime(2026, 6, 1, 8, 0).InZoneStrictly(Shanghai).ToInstant();

    private static Gen<(int Author, int Minute, int ReplyBack)[]> Conversations { get; } =
        (from author in Gen.Choose(0, 4)
         from minute in Gen.Choose(0, 60 * 24 * 10)
         from replyBack in Gen.Choose(-3, 6)
         select (author, minute, replyBack)).ArrayOf().Select(a => a.OrderBy(x => x.minute).ToArray());

    [Property(MaxTest = 150)]
    public Property ActivityBandAndCommunityHealth_AgreeOnTheFiguresTheyShare() =>
        Prop.ForAll(Conversations.ToArbitrary(), Gen.Choose(0, 8).ToArbitrary(), Gen.Choose(1, 7).ToArbitrary(), (messages, startDay, days) =>
        {
            var events = new List<GroupEvent>();
            events.AddRange(Enumerable.Range(0, 5).Select(i => (GroupEvent)new MemberAdded(T0, MemberId.From($"m{i}"))));
            for (var k = 0; k < messages.Length; k++)
            {
                var (author, minute, back) = messages[k];
                var replyTo = back > 0 && k - back >= 0 ? $"x{k - back}" : null;
                events.Add(new MessagePosted(T0 + Duration.FromMinutes(minute), MemberId.From($"m{author}"), $"message {k}", MessageId: $"x{k}", ReplyTo: replyTo));
            }

            var (steps, _) = GroupReplay.Replay(StoreDefaults(), events);
            var start = new LocalDate(2026, 6, 1).PlusDays(startDay);
            var band = ActivityBand.Measure(steps, Shanghai, start, days);
            var applied = steps.Where(s => s.Outcome.Status == GroupEventStatus.Applied && s.Event is MessagePosted)
                .Select(s => GroupMessage.FromEvent(GroupId.From("g"), (MessagePosted)s.Event));
            var health = CommunityHealth.Measure(applied, Shanghai, start, days, 1).SingleOrDefault();
            Assert.Equal(band.Messages, health?.Messages ?? 0);
            Assert.Equal(band.DistinctSpeakers, health?.DistinctSpeakers ?? 0);
            Assert.Equal(band.DialogueRatio, health?.DialogueRatio ?? 0, 12);
        });

    private static GroupPolicy StoreDefaults() =>
        CommunityModel.Simulation.StoreDefaults.GroupPolicy(T0 - Duration.FromDays(1)) with { Flood = null, Content = null };
}
