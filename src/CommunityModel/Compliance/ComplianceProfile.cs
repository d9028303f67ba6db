using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Compliance;

/// <summary>
/// A named set of compliance rules, each citing its source. Use a built-in profile of
/// <see cref="ComplianceProfiles"/> or compose your own with <see cref="Custom"/> or <see cref="With"/>.
/// The profiles summarise public rules for plan designers; they are not legal advice.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class ComplianceProfile
{
    private ComplianceProfile(string name, string description, ImmutableArray<ComplianceRule> rules)
    {
        Name = name;
        Description = description;
        Rules = rules;
    }

    /// <summary>The profile's name.</summary>
    public string Name { get; }

    /// <summary>What the profile is for.</summary>
    public string Description { get; }

    /// <summary>The rules, in the order findings are reported.</summary>
    public ImmutableArray<ComplianceRule> Rules { get; }

    /// <summary>A profile of your own rules.</summary>
    /// <param name="name">The name.</param>
    /// <param name="description">What it is for.</param>
    /// <param name="rules">The rules (at least one; ids unique).</param>
    /// <returns>The profile.</returns>
    public static ComplianceProfile Custom(string name, string description, params IEnumerable<ComplianceRule> rules)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(rules);
        var list = rules.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("A profile needs at least one rule.", nameof(rules));
        }

        var duplicate = list.GroupBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Rule {duplicate.Key} appears more than once; a profile holds each rule once.", nameof(rules));
        }

        return new ComplianceProfile(name, description ?? "", list);
    }

    /// <summary>This profile with more rules, or with rules of the same id replaced.</summary>
    /// <param name="name">The new profile's name.</param>
    /// <param name="rules">Rules to add or replace.</param>
    /// <returns>The new profile.</returns>
    public ComplianceProfile With(string name, params IEnumerable<ComplianceRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var extra = rules.ToList();
        var merged = Rules.Select(r => extra.FirstOrDefault(e => e.Id == r.Id) ?? r).ToList();
        merged.AddRange(extra.Where(e => !Rules.Any(r => r.Id == e.Id)));
        return Custom(name, Description, merged);
    }

    /// <summary>Checks a plan (and optionally a run) against every rule.</summary>
    /// <param name="context">The plan and how it is operated.</param>
    /// <param name="run">A run for the rules that need data.</param>
    /// <returns>One finding per rule.</returns>
    /// <exception cref="InvalidInputException">The context is invalid; every problem is listed.</exception>
    public ComplianceReport Check(ComplianceContext context, RunEvidence? run = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validation.Check(new ComplianceContextValidator(), context);
        if (run is not null && run.Run.Plan != context.Plan)
        {
            throw new ArgumentException("The run was made with another plan than the one being checked.", nameof(run));
        }

        return new ComplianceReport(Name, context.Plan.Name, Rules.Select(r => r.Evaluate(context, run)).ToImmutableArray());
    }

    /// <summary>The profile's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}

/// <summary>
/// The built-in compliance profiles. Each rule cites its source; the citations point plan designers to the
/// texts, they are not legal advice.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class ComplianceProfiles
{
    /// <summary>WeChat's external-link content rules (微信外部链接内容管理规范) on induced sharing and multi-level distribution.</summary>
    public const string WeChatSource = "微信外部链接内容管理规范 (WeChat external link content rules), induced sharing and multi-level distribution";

    /// <summary>The prosecution standard for organising pyramid selling: 30 or more people in 3 or more levels.</summary>
    public const string CriminalThresholdSource = "刑法 第224条之一; 最高人民检察院 公安部《立案追诉标准的规定（二）》第78条 (30 people and 3 levels)";

    /// <summary>China's direct selling regulation, article 24 (pay at most 30% of own direct sales, paid at least monthly).</summary>
    public const string DirectSellingPaySource = "直销管理条例 第二十四条 (Direct Selling Regulation, Art. 24)";

    /// <summary>China's direct selling regulation, article 25 (30-day return of unopened goods).</summary>
    public const string DirectSellingReturnSource = "直销管理条例 第二十五条 (Direct Selling Regulation, Art. 25)";

    /// <summary>China's anti-pyramid regulation, article 7.</summary>
    public const string AntiPyramidSource = "禁止传销条例 第七条 (Regulation on Prohibition of Pyramid Selling, Art. 7)";

    /// <summary>The US Federal Trade Commission's guidance on multi-level marketing.</summary>
    public const string FtcSource = "FTC, Business Guidance Concerning Multi-Level Marketing (2018)";

    /// <summary>House rules every plan of this library should meet.</summary>
    public const string HouseSource = "CommunityModel house rule (seed 001's refund guarantee; money is never invented)";

    /// <summary>China, WeChat strict: only the direct referrer is paid (one upline hop).</summary>
    public static ComplianceProfile ChinaWeChatStrict { get; } = ComplianceProfile.Custom(
        "China, WeChat strict",
        "Selling inside WeChat: only the direct referrer may be paid.",
        new MaxPaidDepthRule(1) { Source = WeChatSource },
        new NoPayForRecruitmentRule { Source = AntiPyramidSource + ", (一) 拉人头" },
        new HoldingCoversRefundWindowRule { Source = HouseSource },
        new MaxPayoutShareRule { Source = HouseSource });

    /// <summary>China, common 二级分销: at most two upline hops (three people-levels including the buyer).</summary>
    public static ComplianceProfile ChinaTwoLevel { get; } = ComplianceProfile.Custom(
        "China, 二级分销",
        "The common two-level distribution: beyond two paid hops the criminal thresholds (30 people, 3 levels) come into play.",
        new MaxPaidDepthRule(2) { Source = CriminalThresholdSource },
        new NoPayForRecruitmentRule { Source = AntiPyramidSource + ", (一) 拉人头" },
        new NoEntryFeeRule { Source = AntiPyramidSource + ", (二) 入门费" },
        new HoldingCoversRefundWindowRule { Source = HouseSource },
        new MaxPayoutShareRule { Source = HouseSource });

    /// <summary>China, licensed direct selling (直销管理条例 Art. 24 and 25).</summary>
    public static ComplianceProfile ChinaDirectSelling { get; } = ComplianceProfile.Custom(
        "China, licensed direct selling",
        "A licensed direct seller: pay from own direct sales only, at most 30% of them, paid at least monthly; 30-day returns.",
        new OwnSalesCapRule(Rate.FromPercent(30)) { Source = DirectSellingPaySource },
        new PayoutIntervalRule(Period.FromMonths(1)) { Source = DirectSellingPaySource },
        new MinimumRefundWindowRule(Period.FromDays(30)) { Source = DirectSellingReturnSource },
        new NoPayForRecruitmentRule { Source = AntiPyramidSource + ", (一) 拉人头" },
        new NoEntryFeeRule { Source = AntiPyramidSource + ", (二) 入门费" });

    /// <summary>China, anti-pyramid (禁止传销条例 Art. 7): no head-count pay, no entry fee, a warning on team pay.</summary>
    public static ComplianceProfile ChinaAntiPyramid { get; } = ComplianceProfile.Custom(
        "China, anti-pyramid",
        "The three forms of Art. 7: pay for head count, entry fees, and upline pay from downline sales.",
        new NoPayForRecruitmentRule { Source = AntiPyramidSource + ", (一) 拉人头" },
        new NoEntryFeeRule { Source = AntiPyramidSource + ", (二) 入门费" },
        new TeamPayRule { Source = AntiPyramidSource + ", (三) 团队计酬" });

    /// <summary>US, FTC-style: pay from sales to real users, not recruitment; a retail share of 70% of volume.</summary>
    public static ComplianceProfile UsFtc { get; } = ComplianceProfile.Custom(
        "US, FTC-style",
        "Compensation must come from sales to real users; a retail-share threshold (70% here, a setting) guards against buying-in.",
        new NoPayForRecruitmentRule { Source = FtcSource },
        new NoEntryFeeRule { Severity = FindingSeverity.Warning, Source = FtcSource },
        new RetailShareRule(Rate.FromPercent(70)) { Source = FtcSource },
        new MaxPayoutShareRule { Source = HouseSource });

    /// <summary>Every built-in profile.</summary>
    public static ImmutableArray<ComplianceProfile> All { get; } = [ChinaWeChatStrict, ChinaTwoLevel, ChinaDirectSelling, ChinaAntiPyramid, UsFtc];

    /// <summary>A built-in profile by name (case-insensitive), or by the short names <c>wechat</c>, <c>two-level</c>, <c>direct-selling</c>, <c>anti-pyramid</c>, <c>ftc</c>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The profile, or null.</returns>
    public static ComplianceProfile? Find(string name) => name?.ToUpperInvariant() switch
    {
        null => null,
        "WECHAT" => ChinaWeChatStrict,
        "TWO-LEVEL" => ChinaTwoLevel,
        "DIRECT-SELLING" => ChinaDirectSelling,
        "ANTI-PYRAMID" => ChinaAntiPyramid,
        "FTC" => UsFtc,
        _ => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)),
    };
}
