namespace CommunityModel.Primitives;

/// <summary>How an exact fraction of a minor unit is rounded to a whole minor unit.</summary>
public enum RoundingMode
{
    /// <summary>Toward negative infinity. The default for payouts: never pay more than the exact amount.</summary>
    Floor = 0,

    /// <summary>To the nearest; a tie goes to the even neighbour (banker's rounding, as <see cref="MidpointRounding.ToEven"/>).</summary>
    HalfEven = 1,

    /// <summary>To the nearest; a tie goes away from zero (as <see cref="MidpointRounding.AwayFromZero"/>).</summary>
    HalfUp = 2,

    /// <summary>Toward positive infinity.</summary>
    Ceiling = 3,
}
