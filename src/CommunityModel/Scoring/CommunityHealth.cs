using CommunityModel.Groups;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>
/// A message in a group, as community health reads it across many groups: the group's
/// <see cref="MessagePosted"/> event with the group it was posted in (<see cref="FromEvent"/>). An immutable
/// record, safe to share between threads.
/// </summary>
/// <param name="MessageId">The message's unique id.</param>
/// <param name="GroupId">The group the message was posted in.</param>
/// <param name="AuthorId">Who sent it.</param>
/// <param name="SentAt">When.</param>
/// <param name="ReplyTo">The id of the message it answers, if any.</param>
public sealed record GroupMessage(string MessageId, GroupId GroupId, MemberId AuthorId, Instant SentAt, string? ReplyTo = null)
{
    /// <summary>The message a group event posted, in the group it was posted in.</summary>
    /// <param name="group">The group the event was applied to.</param>
    /// <param name="message">The event; it must carry a message id (health links replies by id).</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException">The event has no message id.</exception>
    public static GroupMessage FromEvent(GroupId group, MessagePosted message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new GroupMessage(
            message.MessageId ?? throw new ArgumentException("Community health links replies by message id; this message has none.", nameof(message)),
            group,
            message.Author,
            message.At,
            message.ReplyTo);
    }
}

/// <summary>
/// One group's health over one period: dialogue, not content volume.
/// </summary>
/// <param name="GroupId">The group measured.</param>
/// <param name="PeriodStart">The first day of the period.</param>
/// <param name="Messages">Messages sent.</param>
/// <param name="DistinctSpeakers">Distinct authors.</param>
/// <param name="RepliesToOthers">Replies to someone else's message (self-replies do not count).</param>
/// <param name="DialogueRatio">Replies to others over all messages (0 with no message).</param>
/// <param name="ConversingPairs">Distinct unordered pairs of people who replied to each other at least once.</param>
/// <param name="Threads">Threads started (messages that answer nothing).</param>
/// <param name="MeanThreadDepth">Mean length of the longest reply chain per thread started in the period (a lone message is 1).</param>
/// <param name="MaxThreadDepth">The longest reply chain of those threads.</param>
public sealed record HealthReading(GroupId GroupId, LocalDate PeriodStart, int Messages, int DistinctSpeakers, int RepliesToOthers, double DialogueRatio, int ConversingPairs, int Threads, double MeanThreadDepth, int MaxThreadDepth);

/// <summary>Measures community health per group and period from its messages.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class CommunityHealth
{
    /// <summary>
    /// Reads every group in every period of <paramref name="periodDays"/> days from <paramref name="start"/>
    /// (days in <paramref name="zone"/>). A reply is placed in the period it was sent in; a thread's depth counts
    /// its replies whenever they came. Replies to messages not given are counted as replies but not to others.
    /// Iterative: reply chains of any length.
    /// </summary>
    /// <param name="messages">The messages, in any order (ids unique).</param>
    /// <param name="zone">The zone that makes instants into days.</param>
    /// <param name="start">The first day of the first period.</param>
    /// <param name="periodDays">Days per period.</param>
    /// <param name="periods">How many periods.</param>
    /// <returns>One reading per group and period, ordered by group (ordinal) then period.</returns>
    public static IReadOnlyList<HealthReading> Measure(IEnumerable<GroupMessage> messages, DateTimeZone zone, LocalDate start, int periodDays, int periods)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 1);
        var all = messages.ToArray();
        Array.Sort(all, (a, b) => a.SentAt != b.SentAt ? a.SentAt.CompareTo(b.SentAt) : string.CompareOrdinal(a.MessageId, b.MessageId));
        var byId = new Dictionary<string, int>(all.Length, StringComparer.Ordinal);
        for (var i = 0; i < all.Length; i++)
        {
            if (!byId.TryAdd(all[i].MessageId, i))
            {
                throw new ArgumentException($"Message id '{all[i].MessageId}' appears twice.", nameof(messages));
            }
        }

        // Root and depth of every message, in time order (a reply comes after what it answers).
        var root = new int[all.Length];
        var depth = new int[all.Length];
        var period = new int[all.Length];
        var threadDepth = new int[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            var m = all[i];
            var day = m.SentAt.InZone(zone).Date;
            var offset = Period.DaysBetween(start, day);
            period[i] = offset < 0 ? -1 : offset / periodDays;
            if (m.ReplyTo is { } parentId && byId.TryGetValue(parentId, out var parent) && parent < i && all[parent].GroupId == m.GroupId)
            {
                root[i] = root[parent];
                depth[i] = depth[parent] + 1;
            }
            else
            {
                root[i] = i;
                depth[i] = 1;
            }

            threadDepth[root[i]] = Math.Max(threadDepth[root[i]], depth[i]);
        }

        var groups = new SortedDictionary<string, Accumulator[]>(StringComparer.Ordinal);
        for (var i = 0; i < all.Length; i++)
        {
            var m = all[i];
            if (!groups.TryGetValue(m.GroupId.Value, out var accs))
            {
                accs = new Accumulator[periods];
                for (var p = 0; p < periods; p++)
                {
                    accs[p] = new Accumulator();
                }

                groups[m.GroupId.Value] = accs;
            }

            if (period[i] < 0 || period[i] >= periods)
            {
                continue;
            }

            var a = accs[period[i]];
            a.Messages++;
            a.Speakers.Add(m.AuthorId.Value);
            if (root[i] == i && m.ReplyTo is null)
            {
                a.Threads++;
                a.DepthSum += threadDepth[i];
                a.MaxDepth = Math.Max(a.MaxDepth, threadDepth[i]);
            }
            else if (m.ReplyTo is { } parentId && byId.TryGetValue(parentId, out var parent) && all[parent].AuthorId != m.AuthorId)
            {
                a.RepliesToOthers++;
                var (x, y) = string.CompareOrdinal(m.AuthorId.Value, all[parent].AuthorId.Value) < 0 ? (m.AuthorId, all[parent].AuthorId) : (all[parent].AuthorId, m.AuthorId);
                a.Pairs.Add((x.Value, y.Value));
            }
        }

        var readings = new List<HealthReading>(groups.Count * periods);
        foreach (var (group, accs) in groups)
        {
            for (var p = 0; p < periods; p++)
            {
                var a = accs[p];
                readings.Add(new HealthReading(
                    GroupId.From(group),
                    start.PlusDays(p * periodDays),
                    a.Messages,
                    a.Speakers.Count,
                    a.RepliesToOthers,
                    a.Messages == 0 ? 0 : (double)a.RepliesToOthers / a.Messages,
                    a.Pairs.Count,
                    a.Threads,
                    a.Threads == 0 ? 0 : (double)a.DepthSum / a.Threads,
                    a.MaxDepth));
            }
        }

        return readings;
    }

    private sealed class Accumulator
    {
        public int Messages;
        public int RepliesToOthers;
        public int Threads;
        public long DepthSum;
        public int MaxDepth;
        public HashSet<string> Speakers { get; } = new(StringComparer.Ordinal);
        public HashSet<(string, string)> Pairs { get; } = [];
    }
}
