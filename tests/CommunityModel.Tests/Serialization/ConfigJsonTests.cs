using CommunityModel.Commissions;
using CommunityModel.Serialization.Json;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Serialization;

public sealed class ConfigJsonTests
{
    private static string SampleConfig(string name) => File.ReadAllText(RepoRoot.SampleConfig(name));

    [Property(MaxTest = 300)]
    public Property Plans_RoundTripExactly() =>
        Prop.ForAll(Arb.From(TreeGens.Plan(5)), definition =>
        {
            var json = ConfigJson.Write(definition);
            var back = ConfigJson.ReadPlan(json);
            // Equal as text both ways, and the plans built from them pay the same (the records hold lists, compared by text).
            return back.IsValid && ConfigJson.Write(back.Value!) == json;
        });

    [Theory]
    [InlineData("plan-two-level.json")]
    [InlineData("plan-differential.json")]
    public void SamplePlans_AreValidAndBuildPlans(string file)
    {
        var result = ConfigJson.ReadPlan(SampleConfig(file));
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var plan = CommissionPlan.Create(result.Value!);
        Assert.Equal(CommunityModel.Primitives.Currency.CNY, plan.Currency);
        Assert.Equal(SampleConfig(file), ConfigJson.Write(result.Value!));
    }

    [Fact]
    public void SampleLadder_RoundTrips()
    {
        var text = SampleConfig("ladder.json");
        var result = ConfigJson.ReadLadder(text);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(3, result.Value!.Rungs.Length);
        Assert.Equal(text, ConfigJson.Write(result.Value));
    }

    [Theory]
    [InlineData("""{ "name": "x", "currency": "CNY", "levels": { "rates": ["10%", "abc"] } }""", "$.levels.rates[1]", "json.value", 1L)]
    [InlineData("""{ "name": "x", "currency": "CNY", "levels": { "rates": ["10%" "5%"] } }""", "$.levels.rates[1]", "json.syntax", 1L)]
    [InlineData("""{ "currency": "CNY" }""", "$", "json.required", 1L)]
    [InlineData("""{ "name": "x", "currency": "XXX" }""", "$.currency", "json.value", 1L)]
    [InlineData("""{ "name": "x", "currency": "CNY", "levelz": {} }""", "$.levelz", "json.unknown-property", 1L)]
    [InlineData("{\n  \"name\": \"x\",\n  \"currency\": \"CNY\",\n  \"rounding\": \"sideways\"\n}", "$.rounding", "json.value", 4L)]
    [InlineData("""{ "name": "x", "currency": "CNY", "levels": { "rates": ["0.00001%"] } }""", "$.levels.rates[0]", "json.value", 1L)]
    [InlineData("""{ "name": "x", "currency": "CNY", "products": [{ "product": "gift", "fixedPerUnitByLevel": ["12.00"] }] }""", "$.products[0].fixedPerUnitByLevel[0]", "json.value", 1L)]
    public void TextProblems_HaveTheirPathCodeAndLine(string json, string path, string code, long line)
    {
        var result = ConfigJson.ReadPlan(json);
        Assert.False(result.IsValid);
        var p = Assert.Single(result.Problems);
        Assert.Equal(path, p.Path);
        Assert.Equal(code, p.Code);
        Assert.Equal(line, p.Line);
        Assert.True(p.Column > 0);
    }

    [Fact]
    public void ADuplicateKey_IsAnError_NamingBothPlaces()
    {
        // A repeated key used to keep the last value silently (a refund of 399.00 instead of 199.50 in the CLI's words).
        var result = ConfigJson.ReadPlan("{\n \"name\": \"a\",\n \"currency\": \"CNY\",\n \"levels\": {\n  \"rates\": [\"10%\"],\n  \"rates\": [\"20%\"]\n }\n}");
        var p = Assert.Single(result.Problems);
        Assert.Equal(("$.levels.rates", "json.duplicate-property", 6L), (p.Path, p.Code, p.Line));
        Assert.Contains("'rates' appears twice in the same object (first on line 5, column 3)", p.Message, StringComparison.Ordinal);

        var nested = ConfigJson.ReadGroupPolicy("{ \"version\": \"v1\", \"version\": \"v2\" }");
        Assert.Contains(nested.Problems, q => q.Code == "json.duplicate-property" && q.Path == "$.version");
    }

    [Fact]
    public void AProblemInsideANestedPlan_IsAtItsPlaceInTheWholeDocument()
    {
        // sim.json holds a plan: a bad rate in it used to be reported at the plan's first line with the plan's own path.
        var text = File.ReadAllText(RepoRoot.SampleConfig("sim.json"));
        var rates = text.IndexOf("\"5%\"", StringComparison.Ordinal);
        var line = text[..rates].Count(c => c == '\n') + 1;
        var column = rates - text.LastIndexOf('\n', rates);
        var p = Assert.Single(ConfigJson.ReadSimulationSettings(text.Remove(rates, 4).Insert(rates, "\"abc\"")).Problems);
        Assert.Equal(("$.plan.levels.rates[1]", "json.value", (long?)line, (long?)column), (p.Path, p.Code, p.Line, p.Column));
    }

    [Fact]
    public void ABadNestedPlan_DoesNotHideTheDocumentsOtherProblems()
    {
        // A value the plan cannot read ('5x'), a plan rule broken (minimumRank -1) and a settings rule broken
        // (days -3): the reading goes past the plan that failed, so all come back at once, in document order.
        var text = File.ReadAllText(RepoRoot.SampleConfig("sim.json"));
        string LineOf(string what) => (text[..text.IndexOf(what, StringComparison.Ordinal)].Count(c => c == '\n') + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (days, rates, minimum) = (LineOf("\"days\""), LineOf("\"5%\""), LineOf("\"minimumRank\""));

        var badValue = ConfigJson.ReadSimulationSettings(text.Replace("\"5%\"", "\"5x\"", StringComparison.Ordinal).Replace("\"days\": 90", "\"days\": -3", StringComparison.Ordinal));
        Assert.Null(badValue.Value);
        Assert.Equal(
            [("$.days", "sim.days.range", days), ("$.plan.levels.rates[1]", "json.value", rates)],
            badValue.Problems.Select(p => (p.Path, p.Code, p.Line?.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var badRules = ConfigJson.ReadSimulationSettings(text.Replace("\"minimumRank\": 3", "\"minimumRank\": -1", StringComparison.Ordinal)
            .Replace("\"days\": 90", "\"days\": -3", StringComparison.Ordinal).Replace("\"name\": \"二级分销 10% / 5%\"", "\"name\": \"\"", StringComparison.Ordinal));
        Assert.Equal(
            ["$.days", "$.plan.name", "$.plan.levels.minimumRank"],
            badRules.Problems.Select(p => p.Path));
        Assert.Equal(minimum, badRules.Problems[2].Line?.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A syntax error inside the plan ends the reading: it is reported once, at its place.
        var broken = ConfigJson.ReadSimulationSettings(text.Replace("\"5%\"", "\"5%\" \"6%\"", StringComparison.Ordinal));
        var syntax = Assert.Single(broken.Problems);
        Assert.Equal(("json.syntax", rates), (syntax.Code, syntax.Line?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void EventsNamingTheirGroup_AreReadWithTheGroup_AndRefusedByTheOneGroupReader()
    {
        const string text = "{\"type\":\"memberAdded\",\"at\":\"2026-03-02T01:00:00Z\",\"group\":\"妈妈群 1\",\"member\":\"a\"}\n"
            + "// a comment\n{\"type\":\"checkIn\",\"group\":\"辅食群\",\"at\":\"2026-03-02T02:00:00Z\",\"member\":\"b\"}\n"
            + "{\"type\":\"checkIn\",\"group\":\" \",\"at\":\"2026-03-02T02:00:00Z\",\"member\":\"b\"}\n";
        var read = ConfigJson.ReadFleetEventLines(new StringReader(text)).ToList();
        Assert.Equal([(1, "妈妈群 1"), (3, "辅食群"), (4, " ")], read.Select(r => (r.Line, r.Group)));
        Assert.IsType<CommunityModel.Groups.MemberAdded>(read[0].Event.Value);
        Assert.Equal("json.group", Assert.Single(read[2].Event.Problems).Code);

        // The one-group reader does not drop the group silently: it says which reader to use.
        var one = ConfigJson.ReadGroupEvents(text);
        Assert.Null(one.Value);
        Assert.Equal([("$.group", "json.group", (long?)1), ("$.group", "json.group", 3), ("$.group", "json.group", 4)], one.Problems.Select(p => (p.Path, p.Code, p.Line)));

        // Written events carry no group (an event does not know where it goes), and read back equal.
        var written = ConfigJson.WriteGroupEvents([read[0].Event.Value!]);
        Assert.DoesNotContain("group", written, StringComparison.Ordinal);
        Assert.Equal(read[0].Event.Value, Assert.Single(ConfigJson.ReadGroupEvents(written).Value!));
    }

    [Fact]
    public void RuleProblems_AreAllReportedWithJsonPaths()
    {
        var result = ConfigJson.ReadPlan("""{ "name": "", "currency": "CNY", "levels": { "rates": ["80%", "50%"], "minimumRank": -1 } }""");
        Assert.False(result.IsValid);
        Assert.Equal(
            new[] { ("$.levels.minimumRank", "plan.levels.minimum-rank"), ("$.name", "plan.name.empty"), ("$.rules", "plan.payout.over-100-percent") },
            result.Problems.Select(p => (p.Path, p.Code)).Order());
        // Each problem about a value the document holds carries its place; a rule about the whole plan has none.
        Assert.Equal(
            new (string, long?, long?)[] { ("$.levels.minimumRank", 1, 86), ("$.name", 1, 11), ("$.rules", null, null) },
            result.Problems.Select(p => (p.Path, p.Line, p.Column)).Order());
    }
}
