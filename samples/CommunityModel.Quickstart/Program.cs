using CommunityModel.Primitives;

// CommunityModel Quickstart: the library on an embedded default, a mother-and-baby store in Shanghai.
Console.WriteLine("CommunityModel Quickstart");
Console.WriteLine("=========================");
Console.WriteLine();

// Money is exact: integer fen with a currency; rates are exact fractions; rounding is explicit.
var order = Money.Parse("CNY 399.00");
var level1 = Rate.FromPercent(10);
var level2 = Rate.FromPercent(5);
Console.WriteLine($"A membership box sells for {order}.");
Console.WriteLine($"  level-1 referrer at {level1}: {level1.Apply(order)}");
Console.WriteLine($"  level-2 referrer at {level2}: {level2.Apply(order)}");

// A red packet of CNY 100.00 split fairly over 3 people never loses or invents a fen.
var packet = Money.Parse("CNY 100.00");
var parts = packet.Split(3);
Console.WriteLine($"{packet} split three ways: {string.Join(", ", parts)} (sum {parts.Aggregate(Money.Zero(Currency.CNY), (a, b) => a + b)})");
