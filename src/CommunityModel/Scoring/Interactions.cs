using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>
/// A factual signal recorded about a customer (facts, not impressions): what they did or asked, never
/// what someone thinks of them.
/// </summary>
public enum InteractionKind
{
    /// <summary>Asked the price.</summary>
    AskedPrice,

    /// <summary>Asked about validity, expiry or gifts.</summary>
    AskedValidityOrGifts,

    /// <summary>Asked a question about a product or a service.</summary>
    AskedQuestion,

    /// <summary>Complained.</summary>
    Complained,

    /// <summary>Shared a post, a product or the store with others.</summary>
    SharedPost,

    /// <summary>Replied to someone else in a group (dialogue).</summary>
    RepliedInGroup,

    /// <summary>Promised to refer someone.</summary>
    PromisedReferral,

    /// <summary>Referred someone who then bought (when the referral tree is not used to record it).</summary>
    ReferredBuyer,
}

/// <summary>One recorded interaction.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CustomerId">Who.</param>
/// <param name="Date">Which day, in the store's zone.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Subject">An optional subject: the product asked about, the customer referred.</param>
public sealed record Interaction(MemberId CustomerId, LocalDate Date, InteractionKind Kind, string? Subject = null);
