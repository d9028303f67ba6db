using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Compliance;

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
    /// <param name="name">A short name (<c>wechat</c>, <c>two-level</c>, <c>direct-selling</c>, <c>anti-pyramid</c>, <c>ftc</c>) or a profile's full name, any case.</param>
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
