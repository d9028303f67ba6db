using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Groups;

/// <summary>The bounds of a healthy group: messages per member per day between them.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Lower">Below this the group is silent (死寂).</param>
/// <param name="Upper">Above this the group is flooding (刷屏).</param>
public sealed record ActivityBounds(double Lower = 0.2, double Upper = 10);

/// <summary>The five means of activating a silent group (seed 004).</summary>
public enum ActivationMeans
{
    /// <summary>Emotion: greet people, ask about their lives, answer warmly.</summary>
    Emotion,

    /// <summary>Product: a new product, a trial, a question to the group about it.</summary>
    Product,

    /// <summary>Content: useful knowledge on the group's theme.</summary>
    Content,

    /// <summary>Activity: a check-in challenge, a small contest.</summary>
    Activity,

    /// <summary>Red packet: a small red packet to break the ice.</summary>
    RedPacket,
}

/// <summary>Whether a group is inside its band.</summary>
public enum ActivityLevel
{
    /// <summary>Inside the band.</summary>
    Healthy,

    /// <summary>Above the band: flooding.</summary>
    Flooding,

    /// <summary>Below the band: silent.</summary>
    Silent,
}

/// <summary>A group's activity over a period.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Start">The first day.</param>
/// <param name="Days">Days in the period.</param>
/// <param name="Members">Members counted (at the end of the period).</param>
/// <param name="Messages">Messages posted.</param>
/// <param name="MessagesPerMemberPerDay">Messages / (members * days).</param>
/// <param name="DistinctSpeakers">Distinct authors.</param>
/// <param name="DialogueRatio">Replies to someone else's message over all messages.</param>
/// <param name="CheckIns">Check-ins.</param>
/// <param name="LongestCheckInStreak">The longest run of consecutive check-in days by one member in the period.</param>
/// <param name="RedPackets">Red packets sent.</param>
/// <param name="Level">Inside, above or below the band.</param>
/// <param name="Suggestion">For a silent group: which of the five means to try.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record ActivityReading(LocalDate Start, int Days, int Members, int Messages, double MessagesPerMemberPerDay, int DistinctSpeakers, double DialogueRatio, int CheckIns, int LongestCheckInStreak, int RedPackets, ActivityLevel Level, ActivationMeans? Suggestion, string Reason);

/// <summary>Measures a group's activity band from its events.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class ActivityBand
{
    /// <summary>
    /// Reads one period [start, start + days) of a group's replay (days in <paramref name="zone"/>): members are
    /// those the engine admitted and did not remove up to the period's end; messages count when the engine
    /// allowed them.
    /// </summary>
    /// <param name="steps">The group's replay, from <see cref="GroupReplay.Replay"/>.</param>
    /// <param name="zone">The group's zone.</param>
    /// <param name="start">The first day.</param>
    /// <param name="days">Days (at least 1).</param>
    /// <param name="bounds">The band, or null for the defaults.</param>
    /// <returns>The reading.</returns>
    public static ActivityReading Measure(IEnumerable<ReplayStep> steps, DateTimeZone zone, LocalDate start, int days, ActivityBounds? bounds = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        bounds ??= new ActivityBounds();
        var end = start.PlusDays(days);
        var members = new HashSet<MemberId>();
        var speakers = new HashSet<MemberId>();
        var authorOf = new Dictionary<string, MemberId>(StringComparer.Ordinal);
        var checkInDays = new Dictionary<MemberId, SortedSet<LocalDate>>();
        int messages = 0, replies = 0, checkIns = 0, packets = 0;
        foreach (var step in steps)
        {
            var e = step.Event;
            if (step.Outcome.Status == GroupEventStatus.Invalid)
            {
                continue;
            }

            var day = e.At.InZone(zone).Date;
            if (day >= end)
            {
                continue;
            }

            var inPeriod = day >= start;
            foreach (var d in step.Outcome.Decisions)
            {
                if (d.Member is { } who)
                {
                    if (d.Kind is GroupDecisionKind.Admit or GroupDecisionKind.AdmitFromWaitingList)
                    {
                        members.Add(who);
                    }
                    else if (d.Kind == GroupDecisionKind.Remove)
                    {
                        members.Remove(who);
                    }
                }
            }

            switch (e)
            {
                case MemberLeft l: members.Remove(l.Member); break;
                case MessagePosted m when step.Outcome.Status == GroupEventStatus.Applied:
                    if (m.MessageId is { } id)
                    {
                        authorOf[id] = m.Author;
                    }

                    if (inPeriod)
                    {
                        messages++;
                        speakers.Add(m.Author);
                        if (m.ReplyTo is { } r && authorOf.TryGetValue(r, out var parent) && parent != m.Author)
                        {
                            replies++;
                        }
                    }

                    break;
                case CheckedIn c when inPeriod:
                    checkIns++;
                    if (!checkInDays.TryGetValue(c.Member, out var set))
                    {
                        set = [];
                        checkInDays[c.Member] = set;
                    }

                    set.Add(day);
                    break;
                case RedPacketSent when inPeriod && step.Outcome.Decisions.Any(d => d.Kind == GroupDecisionKind.AllowRedPacket): packets++; break;
            }
        }

        var longest = 0;
        foreach (var set in checkInDays.Values)
        {
            var run = 0;
            LocalDate? prev = null;
            foreach (var d in set)
            {
                run = prev is { } p && p.PlusDays(1) == d ? run + 1 : 1;
                longest = Math.Max(longest, run);
                prev = d;
            }
        }

        var perMemberDay = members.Count == 0 ? 0 : (double)messages / members.Count / days;
        var dialogue = messages == 0 ? 0 : (double)replies / messages;
        var flag = perMemberDay > bounds.Upper ? ActivityLevel.Flooding : perMemberDay < bounds.Lower ? ActivityLevel.Silent : ActivityLevel.Healthy;
        ActivationMeans? suggestion = null;
        string reason;
        var figures = FormattableString.Invariant($"{messages} messages from {speakers.Count} of {members.Count} members over {days} days ({perMemberDay:0.###} per member per day, band {bounds.Lower}..{bounds.Upper}); dialogue {dialogue:0.##}; {checkIns} check-ins; {packets} red packets");
        if (flag == ActivityLevel.Flooding)
        {
            reason = "flooding (刷屏): " + figures + "; tighten the flood rule or slow mode";
        }
        else if (flag == ActivityLevel.Healthy)
        {
            reason = "healthy: " + figures;
        }
        else
        {
            (suggestion, var why) = messages == 0 && packets == 0 ? (ActivationMeans.RedPacket, "nobody speaks at all: a small red packet breaks the ice")
                : messages > 0 && dialogue < 0.1 ? (ActivationMeans.Emotion, "people post but nobody answers anybody: greet them and ask about their lives")
                : checkIns == 0 ? (ActivationMeans.Activity, "no check-ins: start a check-in (打卡) challenge")
                : speakers.Count <= Math.Max(1, members.Count / 20) ? (ActivationMeans.Product, "a few voices only: ask the group about a new product or a trial")
                : (ActivationMeans.Content, "people answer each other but rarely: share useful knowledge on the theme");
            reason = "silent (死寂): " + figures + "; try " + suggestion + ": " + why;
        }

        return new ActivityReading(start, days, members.Count, messages, perMemberDay, speakers.Count, dialogue, checkIns, longest, packets, flag, suggestion, reason);
    }
}
