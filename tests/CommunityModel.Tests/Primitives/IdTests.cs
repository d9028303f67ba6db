using System.Reflection;
using CommunityModel.Primitives;
using CommunityModel.Teams;
using NodaTime;

namespace CommunityModel.Tests.Primitives;

/// <summary>Ids are types: made explicitly, never from a string by conversion; blank and default ids are refused.</summary>
public class IdTests
{
    public static TheoryData<Type> IdTypes => new() { typeof(MemberId), typeof(OrderId), typeof(ProductId), typeof(GroupId), typeof(RefundId), typeof(AccountId), typeof(StaffId) };

    [Theory]
    [MemberData(nameof(IdTypes))]
    public void EveryId_FollowsTheTemplate_WithNoConversionFromString(Type type)
    {
        Assert.Contains(type.GetInterfaces(), i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStringId<>) && i.GetGenericArguments()[0] == type);
        Assert.DoesNotContain(type.GetMethods(BindingFlags.Public | BindingFlags.Static), m => m.Name is "op_Implicit" or "op_Explicit");
    }

    [Fact]
    public void BlankKeys_AreRefused_AndDefaultIds_HoldNoKey()
    {
        Assert.Equal("li", MemberId.From("li").Value);
        Assert.Equal(new MemberId("li"), MemberId.From("li"));
        Assert.NotEqual(MemberId.From("li"), MemberId.From("LI"));
        foreach (var blank in new[] { "", " ", "\t", null! })
        {
            Assert.Throws<ArgumentException>(() => MemberId.From(blank));
            Assert.Throws<ArgumentException>(() => RefundId.From(blank));
        }

        var none = default(MemberId);
        Assert.True(none.IsDefault);
        Assert.False(MemberId.From("li").IsDefault);
        Assert.Equal(string.Empty, none.ToString());
        var e = Assert.Throws<InvalidOperationException>(() => none.Value);
        Assert.Contains("member id is default", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactsRefuseDefaultIds()
    {
        var at = Instant.FromUtc(2026, 3, 1, 0, 0);
        var amount = Money.Parse("CNY 10.00");
        Assert.Throws<ArgumentException>(() => new Order(default, MemberId.From("li"), ProductId.From("box"), amount, at));
        Assert.Throws<ArgumentException>(() => new Order(OrderId.From("o1"), default, ProductId.From("box"), amount, at));
        Assert.Throws<ArgumentException>(() => new Order(OrderId.From("o1"), MemberId.From("li"), default, amount, at));
        Assert.Throws<ArgumentException>(() => new Refund(default, OrderId.From("o1"), amount, at));
        Assert.Throws<ArgumentException>(() => new Refund(RefundId.From("r1"), default, amount, at));
        Assert.Equal(OrderId.From("o1"), new Refund(RefundId.From("r1"), OrderId.From("o1"), amount, at).Order);
    }
}

/// <summary>Scoring reads the facts the rest of the library takes.</summary>
public class ScoringFactsTests
{
    [Fact]
    public void OrdersAndGroupEvents_BecomeScoringFacts_InTheStoresZone()
    {
        var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        var order = new Order(OrderId.From("o1"), MemberId.From("li"), ProductId.From("box"), Money.Parse("CNY 99.00"), Instant.FromUtc(2026, 3, 1, 17, 30), Quantity: 2);
        var purchase = CommunityModel.Scoring.Purchase.FromOrder(order, shanghai);
        Assert.Equal(new CommunityModel.Scoring.Purchase(MemberId.From("li"), new LocalDate(2026, 3, 2), Money.Parse("CNY 99.00"), ProductId.From("box"), 2), purchase);

        var posted = new CommunityModel.Groups.MessagePosted(Instant.FromUtc(2026, 3, 1, 12, 0), MemberId.From("li"), "谢谢", MessageId: "m2", ReplyTo: "m1");
        var message = CommunityModel.Scoring.GroupMessage.FromEvent(GroupId.From("mothers"), posted);
        Assert.Equal(new CommunityModel.Scoring.GroupMessage("m2", GroupId.From("mothers"), MemberId.From("li"), posted.At, "m1"), message);
        Assert.Throws<ArgumentException>(() => CommunityModel.Scoring.GroupMessage.FromEvent(GroupId.From("mothers"), posted with { MessageId = null }));
    }
}
