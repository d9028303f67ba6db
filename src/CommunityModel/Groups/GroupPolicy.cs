using CommunityModel.Conditions;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Groups;

/// <summary>What a group is for.</summary>
public enum GroupKind
{
    /// <summary>Knowledge-paid (知识付费): members paid to learn.</summary>
    KnowledgePaid,

    /// <summary>Product marketing: a store's customers around its products.</summary>
    ProductMarketing,

    /// <summary>An activity group, for one event or campaign.</summary>
    Activity,

    /// <summary>Local life: neighbours around a place.</summary>
    LocalLife,
}

/// <summary>How someone asks to join.</summary>
public enum JoinChannel
{
    /// <summary>Scanned the store's QR code.</summary>
    StoreQrScan,

    /// <summary>Invited by staff.</summary>
    StaffInvitation,

    /// <summary>Referred by a customer.</summary>
    CustomerReferral,
}

/// <summary>A member's role in a group.</summary>
public enum GroupRole
{
    /// <summary>An ordinary member.</summary>
    Member,

    /// <summary>A host (主持人), who runs the conversation.</summary>
    Host,

    /// <summary>The group's owner.</summary>
    Owner,

    /// <summary>Staff (service, sales, content).</summary>
    Staff,
}

/// <summary>The facts screening conditions read about someone who asks to join.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="IsCustomer">Has bought from the store.</param>
/// <param name="Purchases">How many purchases.</param>
/// <param name="Approved">Approved by a host.</param>
/// <param name="Blocklisted">On the store's blocklist.</param>
public sealed record Candidate(bool IsCustomer, int Purchases, bool Approved, bool Blocklisted);

/// <summary>One step of an escalation ladder.</summary>
public enum EscalationAction
{
    /// <summary>A warning.</summary>
    Warn,

    /// <summary>Muted for the ladder's mute duration.</summary>
    Mute,

    /// <summary>Removed from the group.</summary>
    Remove,
}

/// <summary>
/// An escalation ladder: the n-th unexpired strike of a member takes the n-th step (the last step repeats).
/// Strikes expire <see cref="StrikeLifetime"/> after they were given.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record EscalationLadder
{
    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<EscalationAction> Steps { get; init; } = [EscalationAction.Warn, EscalationAction.Warn, EscalationAction.Warn, EscalationAction.Mute, EscalationAction.Remove];

    /// <summary>How long a mute lasts.</summary>
    public Duration MuteDuration { get; init; } = Duration.FromDays(1);

    /// <summary>How long a strike counts.</summary>
    public Duration StrikeLifetime { get; init; } = Duration.FromDays(30);
}

/// <summary>Admission (门槛): channels, screening, capacity and the waiting list.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record AdmissionRules
{
    /// <summary>Channels through which people may ask to join.</summary>
    public IReadOnlyList<JoinChannel> Channels { get; init; } = [JoinChannel.StoreQrScan, JoinChannel.StaffInvitation, JoinChannel.CustomerReferral];

    /// <summary>
    /// Screening conditions every candidate must satisfy, each named by the rule id its rejections cite: built of
    /// <see cref="IsCustomer"/>, <see cref="MinPurchases"/>, <see cref="ApprovedByHost"/> and <see cref="NotBlocklisted"/>,
    /// composed with <see cref="AllOf"/>, <see cref="AnyOf"/> and <see cref="Not"/> (or <c>&amp;</c>, <c>|</c>, <c>!</c>).
    /// </summary>
    public IReadOnlyList<Screening> Screenings { get; init; } = [];

    /// <summary>The most members (500: WeChat's group size).</summary>
    public int Capacity { get; init; } = 500;

    /// <summary>Whether candidates who pass while the group is full wait in line.</summary>
    public bool WaitingList { get; init; } = true;
}

/// <summary>A named screening condition.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="RuleId">The rule id decisions cite.</param>
/// <param name="Condition">The screening condition (see <see cref="AdmissionRules.Screenings"/> for the leaves it may use).</param>
public sealed record Screening(string RuleId, Condition Condition)
{
    /// <summary>
    /// True when the candidate satisfies the condition. The condition must be a screening condition (what the
    /// policy's validation accepts); a condition type of the caller's own throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="candidate">What is known of the person asking to join.</param>
    /// <returns>Whether this screening lets the candidate through.</returns>
    public bool Admits(Candidate candidate) => ScreeningRules.Holds(Condition, candidate ?? throw new ArgumentNullException(nameof(candidate)));
}

/// <summary>Content rules: ads, off-theme and prohibited messages, with allow-lists and exempt roles.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record ContentRules
{
    /// <summary>Links (http://, https://, www.) count as ads.</summary>
    public bool BlockLinks { get; init; } = true;

    /// <summary>Mobile phone numbers (11 digits from 1, in a run of digits, spaces or dashes) count as ads.</summary>
    public bool BlockPhoneNumbers { get; init; } = true;

    /// <summary>
    /// Contacts written to slip past filters count as ads: a contact word (微信 / 威信 / 薇信 / V信 / vx / wx / 扣扣 /
    /// QQ ...) followed by an id, a mobile number with spaces, dashes or dots between its digits, in full-width digits
    /// or in Chinese numerals (一三八…), and a link without a scheme (abc.com/x). Separators inserted between the
    /// characters (加 微 信, v*x) are ignored. The evidence quotes the original text.
    /// </summary>
    public bool BlockContacts { get; init; } = true;

    /// <summary>
    /// Keywords that count as ads, e.g. WeChat-id markers like "加微信". Matched ignoring case and character width
    /// (full-width "ＶＸ" and "：" match "vx:"), as people type on a Chinese keyboard.
    /// </summary>
    public IReadOnlyList<string> AdKeywords { get; init; } = ["加微信", "加我微信", "微信号", "微信:", "vx:", "wx:", "wechat:", "代购", "私聊"];

    /// <summary>Regular expressions that count as ads.</summary>
    public IReadOnlyList<string> AdPatterns { get; init; } = [];

    /// <summary>Labels an outside classifier puts on messages that count as ads (a QR code in a picture).</summary>
    public IReadOnlyList<string> AdLabels { get; init; } = ["ad", "qr-code"];

    /// <summary>Labels of prohibited categories.</summary>
    public IReadOnlyList<string> ProhibitedLabels { get; init; } = ["illegal", "political"];

    /// <summary>On-theme topics: a message the classifier labels "topic:X" for no X here is off-theme; empty turns the check off.</summary>
    public IReadOnlyList<string> OnThemeTopics { get; init; } = [];

    /// <summary>Phrases whose presence allows a message that would be an ad (the store's own link).</summary>
    public IReadOnlyList<string> AllowList { get; init; } = [];

    /// <summary>Roles exempt from content rules.</summary>
    public IReadOnlyList<GroupRole> ExemptRoles { get; init; } = [GroupRole.Host, GroupRole.Owner, GroupRole.Staff];

    /// <summary>The ladder for ads (default: warn, then remove).</summary>
    public EscalationLadder AdLadder { get; init; } = new() { Steps = [EscalationAction.Warn, EscalationAction.Remove] };
}

/// <summary>Flood (刷屏): a member's message count in a sliding window, and slow mode.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record FloodRules
{
    /// <summary>The most messages one member may send in <see cref="Window"/>.</summary>
    public int MaxMessages { get; init; } = 5;

    /// <summary>The sliding window: a message counts while it is less than this old.</summary>
    public Duration Window { get; init; } = Duration.FromMinutes(1);

    /// <summary>Slow mode: the least time between two messages of one member, or null.</summary>
    public Duration? SlowMode { get; init; }

    /// <summary>Roles exempt from the flood rules.</summary>
    public IReadOnlyList<GroupRole> ExemptRoles { get; init; } = [GroupRole.Host, GroupRole.Owner];
}

/// <summary>Red packets (红包): who may send, when, how much, how many, and a daily budget.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record RedPacketRules
{
    /// <summary>Roles that may send red packets.</summary>
    public IReadOnlyList<GroupRole> Senders { get; init; } = [GroupRole.Host, GroupRole.Owner, GroupRole.Staff];

    /// <summary>Allowed times of day (start inclusive, end exclusive) in the policy's zone; empty means any time.</summary>
    public IReadOnlyList<(LocalTime Start, LocalTime End)> TimeWindows { get; init; } = [];

    /// <summary>The least amount of a packet.</summary>
    public required Money MinAmount { get; init; }

    /// <summary>The most amount of a packet.</summary>
    public required Money MaxAmount { get; init; }

    /// <summary>The most shares in a packet.</summary>
    public int MaxCount { get; init; } = 100;

    /// <summary>The most all packets of a day (in the policy's zone) may add up to.</summary>
    public required Money DailyBudget { get; init; }
}

/// <summary>Elimination (淘汰制): silent members get a notice, then are removed after a grace period unless they speak.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record EliminationRules
{
    /// <summary>Days of silence (since joining or the last message) before the notice.</summary>
    public int SilentDays { get; init; } = 30;

    /// <summary>Days after the notice before removal.</summary>
    public int GraceDays { get; init; } = 3;

    /// <summary>Roles never eliminated.</summary>
    public IReadOnlyList<GroupRole> ProtectedRoles { get; init; } = [GroupRole.Host, GroupRole.Owner, GroupRole.Staff];
}

/// <summary>
/// A group policy, versioned with the instant it takes effect. Validated by <see cref="GroupPolicyValidator"/>;
/// build with <see cref="GroupPolicy.Create"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record GroupPolicy
{
    /// <summary>
    /// Every problem of this GroupPolicy (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new GroupPolicyValidator(), this);

    /// <summary>The version decisions cite.</summary>
    public required string Version { get; init; }

    /// <summary>When it takes effect.</summary>
    public required Instant EffectiveFrom { get; init; }

    /// <summary>The zone of the group's days and times (IANA id).</summary>
    public string ZoneId { get; init; } = "Asia/Shanghai";

    /// <summary>The group's kind.</summary>
    public GroupKind Kind { get; init; } = GroupKind.ProductMarketing;

    /// <summary>The theme, in words.</summary>
    public string Theme { get; init; } = string.Empty;

    /// <summary>Admission rules.</summary>
    public AdmissionRules Admission { get; init; } = new();

    /// <summary>Content rules, or null for none.</summary>
    public ContentRules? Content { get; init; } = new();

    /// <summary>Flood rules, or null for none.</summary>
    public FloodRules? Flood { get; init; } = new();

    /// <summary>The ladder for content and flood violations other than ads.</summary>
    public EscalationLadder Escalation { get; init; } = new();

    /// <summary>Red-packet rules, or null to forbid red packets.</summary>
    public RedPacketRules? RedPackets { get; init; }

    /// <summary>Elimination rules, or null for none.</summary>
    public EliminationRules? Elimination { get; init; }

    /// <summary>Validates and returns the policy.</summary>
    /// <param name="policy">The policy to check; returned as it is when valid (it is an immutable record).</param>
    /// <returns>The same policy.</returns>
    /// <exception cref="InvalidInputException">Every problem, with its property path and code.</exception>
    public static GroupPolicy Create(GroupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Validation.Check(new GroupPolicyValidator(), policy);
        return policy;
    }

    /// <summary>Validates a policy without throwing: the policy itself when valid, or every problem.</summary>
    /// <param name="policy">The policy to check; returned as it is when valid (it is an immutable record).</param>
    /// <param name="valid">The policy when it is valid; otherwise null.</param>
    /// <param name="problems">Every problem (codes <c>group.*</c>); empty when valid.</param>
    /// <returns>True when the policy is valid.</returns>
    public static bool TryCreate(GroupPolicy policy, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GroupPolicy? valid, out IReadOnlyList<Problem> problems)
    {
        ArgumentNullException.ThrowIfNull(policy);
        problems = policy.Validate();
        valid = problems.Count == 0 ? policy : null;
        return valid is not null;
    }
}

/// <summary>
/// Validates <see cref="GroupPolicy"/>. Error codes: <c>group.version.empty</c>, <c>group.zone.unknown</c>,
/// <c>group.capacity.range</c>, <c>group.channels.empty</c>, <c>group.screening.invalid</c>,
/// <c>group.pattern.invalid</c>, <c>group.ladder.empty</c>, <c>group.duration.nonpositive</c>,
/// <c>group.flood.range</c>, <c>group.redpacket.range</c>, <c>group.redpacket.currency</c>,
/// <c>group.elimination.range</c>, <c>group.limit</c> (see <see cref="GroupPolicyLimits"/>).
/// </summary>
internal sealed class GroupPolicyValidator : AbstractValidator<GroupPolicy>
{
    /// <summary>Creates the validator.</summary>
    public GroupPolicyValidator()
    {
        RuleFor(p => p.Version).NotEmpty().WithErrorCode("group.version.empty");
        RuleFor(p => p.ZoneId).Must(z => z is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) is not null)
            .WithErrorCode("group.zone.unknown").WithMessage(p => $"'{p.ZoneId}' is not an IANA time zone id.");
        RuleFor(p => p.Admission.Capacity).InclusiveBetween(1, 100_000).WithErrorCode("group.capacity.range");
        RuleFor(p => p.Admission.Channels).NotEmpty().WithErrorCode("group.channels.empty");
        RuleForEach(p => p.Admission.Screenings).Must(s => s is not null && !string.IsNullOrWhiteSpace(s.RuleId) && s.Condition is not null)
            .WithErrorCode("group.screening.invalid").WithMessage("A screening needs a rule id and a condition.");
        RuleFor(p => p.Admission.Screenings).Custom((screenings, context) =>
        {
            for (var i = 0; i < screenings.Count; i++)
            {
                if (screenings[i]?.Condition is { } condition)
                {
                    ScreeningRules.Check(condition, $"Admission.Screenings[{i}].Condition", (path, code, message) =>
                        context.AddFailure(new FluentValidation.Results.ValidationFailure(path, message) { ErrorCode = code }));
                }
            }
        });
        RuleFor(p => p.Admission.Screenings.Count).LessThanOrEqualTo(GroupPolicyLimits.MaxScreenings).OverridePropertyName("Admission.Screenings")
            .WithErrorCode("group.limit").WithMessage(p => $"{p.Admission.Screenings.Count} screenings; at most {GroupPolicyLimits.MaxScreenings}.");
        When(p => p.Content is not null, () =>
        {
            Limit(p => p.Content!.AdKeywords, "Content.AdKeywords", GroupPolicyLimits.MaxKeywords);
            Limit(p => p.Content!.AllowList, "Content.AllowList", GroupPolicyLimits.MaxKeywords);
            Limit(p => p.Content!.AdLabels, "Content.AdLabels", GroupPolicyLimits.MaxLabels);
            Limit(p => p.Content!.ProhibitedLabels, "Content.ProhibitedLabels", GroupPolicyLimits.MaxLabels);
            Limit(p => p.Content!.OnThemeTopics, "Content.OnThemeTopics", GroupPolicyLimits.MaxLabels);
            RuleFor(p => p.Content!.AdPatterns.Count).LessThanOrEqualTo(GroupPolicyLimits.MaxPatterns).OverridePropertyName("Content.AdPatterns")
                .WithErrorCode("group.limit").WithMessage(p => $"{p.Content!.AdPatterns.Count} ad patterns; at most {GroupPolicyLimits.MaxPatterns}.");
            RuleForEach(p => p.Content!.AdPatterns).Must(x => x is not null && x.Length <= GroupPolicyLimits.MaxPatternLength)
                .WithErrorCode("group.limit").WithMessage($"An ad pattern is at most {GroupPolicyLimits.MaxPatternLength} characters.");
            RuleForEach(p => p.Content!.AdPatterns).Must(BeARegex).When(p => p.Content!.AdPatterns.All(x => x is not null && x.Length <= GroupPolicyLimits.MaxPatternLength))
                .WithErrorCode("group.pattern.invalid")
                .WithMessage((p, pattern) => $"'{pattern}' is not a regular expression the non-backtracking engine runs (no backreferences, lookarounds or atomic groups).");
        });
        RuleFor(p => p.Escalation).SetValidator(new LadderValidator());
        RuleFor(p => p.Content!.AdLadder).SetValidator(new LadderValidator()).When(p => p.Content is not null);
        RuleFor(p => p.Flood!.MaxMessages).InclusiveBetween(1, 1_000).When(p => p.Flood is not null).WithErrorCode("group.flood.range");
        RuleFor(p => p.Flood!.Window).Must(d => d > Duration.Zero).When(p => p.Flood is not null).WithErrorCode("group.duration.nonpositive");
        RuleFor(p => p.Flood!.SlowMode).Must(d => d is null || d > Duration.Zero).When(p => p.Flood is not null).WithErrorCode("group.duration.nonpositive");
        When(p => p.RedPackets is not null, () =>
        {
            RuleFor(p => p.RedPackets!).Must(r => r.MinAmount.Currency == r.MaxAmount.Currency && r.MaxAmount.Currency == r.DailyBudget.Currency)
                .WithErrorCode("group.redpacket.currency").WithMessage("Red-packet amounts must share one currency.");
            RuleFor(p => p.RedPackets!).Must(r => r.MinAmount.MinorUnits >= 1 && r.MinAmount <= r.MaxAmount && r.MaxAmount <= r.DailyBudget)
                .When(p => p.RedPackets!.MinAmount.Currency == p.RedPackets.MaxAmount.Currency && p.RedPackets.MaxAmount.Currency == p.RedPackets.DailyBudget.Currency)
                .WithErrorCode("group.redpacket.range").WithMessage("Red packets need 1 minor unit <= min <= max <= daily budget.");
            RuleFor(p => p.RedPackets!.MaxCount).InclusiveBetween(1, 10_000).WithErrorCode("group.redpacket.range");
            RuleForEach(p => p.RedPackets!.TimeWindows).Must(w => w.Start < w.End).WithErrorCode("group.redpacket.range")
                .WithMessage("A red-packet time window must start before it ends.");
        });
        When(p => p.Elimination is not null, () =>
        {
            RuleFor(p => p.Elimination!.SilentDays).InclusiveBetween(1, 3_650).WithErrorCode("group.elimination.range");
            RuleFor(p => p.Elimination!.GraceDays).InclusiveBetween(0, 365).WithErrorCode("group.elimination.range");
        });
    }

    private static bool BeARegex(string pattern)
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(pattern, GroupPolicyLimits.PatternOptions, GroupPolicyLimits.PatternTimeout);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private void Limit(Func<GroupPolicy, IReadOnlyList<string>> read, string path, int max) =>
        RuleFor(p => p).Custom((p, context) =>
        {
            var list = read(p);
            if (list.Count > max)
            {
                context.AddFailure(new FluentValidation.Results.ValidationFailure(path, $"{list.Count} entries; at most {max}.") { ErrorCode = "group.limit" });
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is null || list[i].Length > GroupPolicyLimits.MaxKeywordLength)
                {
                    context.AddFailure(new FluentValidation.Results.ValidationFailure($"{path}[{i}]", $"An entry is at most {GroupPolicyLimits.MaxKeywordLength} characters.") { ErrorCode = "group.limit" });
                }
            }
        });

    private sealed class LadderValidator : AbstractValidator<EscalationLadder>
    {
        public LadderValidator()
        {
            RuleFor(l => l.Steps).NotEmpty().WithErrorCode("group.ladder.empty");
            RuleFor(l => l.MuteDuration).Must(d => d > Duration.Zero).WithErrorCode("group.duration.nonpositive");
            RuleFor(l => l.StrikeLifetime).Must(d => d > Duration.Zero).WithErrorCode("group.duration.nonpositive");
        }
    }
}
