using System.Xml.Linq;

namespace CommunityModel.Tests.Package;

/// <summary>Every public type says what it is: its immutability and thread safety (NodaTime's habit).</summary>
public sealed class DocsContractTests
{
    [Theory]
    [InlineData("CommunityModel")]
    [InlineData("CommunityModel.Simulation")]
    [InlineData("CommunityModel.Serialization.Json")]
    public void EveryPublicClassRecordAndStruct_StatesItsThreadSafety(string assembly)
    {
        var xml = Path.Combine(AppContext.BaseDirectory, assembly + ".xml");
        Assert.True(File.Exists(xml), xml);
        var docs = XDocument.Load(xml).Descendants("member")
            .ToDictionary(m => m.Attribute("name")!.Value, m => m.Value, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var type in System.Reflection.Assembly.Load(assembly).GetExportedTypes())
        {
            if (type.IsEnum || type.IsInterface || typeof(Delegate).IsAssignableFrom(type) || type.IsNested)
            {
                continue;
            }

            var key = "T:" + type.FullName!.Replace('+', '.');
            if (!docs.TryGetValue(key, out var text) || !text.Contains("thread", StringComparison.OrdinalIgnoreCase))
            {
                missing.Add(type.FullName);
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("PayoutLedger")]
    [InlineData("MembershipBook")]
    [InlineData("GroupState")]
    [InlineData("AccountMatrix")]
    public void TheMutableAggregates_SayTheyAreNotThreadSafe_AndHowToShareThem(string name)
    {
        var docs = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "CommunityModel.xml")).Descendants("member")
            .Single(m => m.Attribute("name")!.Value.EndsWith("." + name, StringComparison.Ordinal) && m.Attribute("name")!.Value.StartsWith("T:", StringComparison.Ordinal));
        var text = System.Text.RegularExpressions.Regex.Replace(docs.Value, @"\s+", " ");
        Assert.Contains("not thread-safe", text, StringComparison.Ordinal);
        Assert.Contains("one thread at a time", text, StringComparison.Ordinal);
    }
}
