using System.Collections.Immutable;
using System.Globalization;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>Seed 000: open a sharing community once trial users grow. Reads trial-rung buyers over two windows.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class SharingCommunity
{
    /// <summary>Assesses readiness as of an instant: the window is <c>[asOf - WindowDays, asOf)</c>.</summary>
    /// <param name="orders">The orders, in any sequence.</param>
    /// <param name="ladder">The ladder; its trial rungs' products count.</param>
    /// <param name="asOf">The window's end (exclusive).</param>
    /// <param name="options">Thresholds; defaults when null.</param>
    /// <returns>The assessment.</returns>
    public static SharingReadiness Assess(IEnumerable<Order> orders, ProductLadder ladder, Instant asOf, SharingReadinessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(ladder);
        options ??= new SharingReadinessOptions();
        Validation.Check(new SharingReadinessOptionsValidator(), options);
        var window = Duration.FromDays(options.WindowDays);
        var start = asOf - window;
        var before = start - window;
        var now = new HashSet<MemberId>();
        var then = new HashSet<MemberId>();
        foreach (var o in orders)
        {
            if (ladder.RungOf(o.Product) is not { Role: RungRole.Trial })
            {
                continue;
            }

            if (o.PaidAt >= start && o.PaidAt < asOf)
            {
                now.Add(o.Buyer);
            }
            else if (o.PaidAt >= before && o.PaidAt < start)
            {
                then.Add(o.Buyer);
            }
        }

        double? growth = then.Count == 0 ? null : (double)(now.Count - then.Count) / then.Count;
        var enough = now.Count >= options.MinimumTrialBuyers;
        var growing = growth is null ? now.Count > 0 : (decimal)growth.Value * 100m >= options.MinimumGrowth.Percent;
        var g = growth is { } x ? x.ToString("P0", CultureInfo.InvariantCulture) : "new";
        var reason = (enough, growing) switch
        {
            (true, true) => $"yes: {now.Count} trial buyers in the last {options.WindowDays} days (at least {options.MinimumTrialBuyers}), growth {g}; open a sharing community",
            (false, _) => $"not yet: {now.Count} trial buyers in the last {options.WindowDays} days, {options.MinimumTrialBuyers} needed (growth {g})",
            _ => $"not yet: {now.Count} trial buyers but growth {g} is below {options.MinimumGrowth.Percent.ToString("0.#", CultureInfo.InvariantCulture)}%",
        };
        return new SharingReadiness(enough && growing, now.Count, then.Count, growth, reason);
    }
}
