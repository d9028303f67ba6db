using System.Text.RegularExpressions;

namespace CommunityModel.Tests.Package;

/// <summary>Rules of the house that the compiler does not keep: where unsafe code and JSON may live.</summary>
public sealed partial class HouseRulesTests
{
    private static IEnumerable<(string Relative, string Text)> Sources(string project)
    {
        var root = Path.Combine(RepoRoot.Path, "src", project);
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f)));
    }

    [Fact]
    public void UnsafeCode_LivesOnlyInTheKernelsFolder()
    {
        var files = Sources("CommunityModel").ToList();
        Assert.NotEmpty(files);
        var outside = files.Where(f => !f.Relative.StartsWith("Kernels/", StringComparison.Ordinal) && Unsafe().IsMatch(StripComments(f.Text))).Select(f => f.Relative).ToList();
        Assert.Empty(outside);
        Assert.Contains(files, f => f.Relative == "Kernels/CacheHint.cs" && Unsafe().IsMatch(f.Text));
    }

    [Fact]
    public void TheCore_HoldsNoJsonAndNoSimulator()
    {
        var offenders = Sources("CommunityModel")
            .Where(f => f.Text.Contains("System.Text.Json", StringComparison.Ordinal) || f.Text.Contains("namespace CommunityModel.Simulation", StringComparison.Ordinal))
            .Select(f => f.Relative).ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void TheEngineFile_HoldsTheApiOnly_AndTheRulesTheirOwnFile()
    {
        var engine = File.ReadAllLines(Path.Combine(RepoRoot.Path, "src", "CommunityModel", "Commissions", "CommissionEngine.cs"));
        Assert.True(engine.Length < 400, $"CommissionEngine.cs has {engine.Length} lines; kernels belong in Commissions/Kernels, rules in Commissions/Rules.");
        Assert.True(File.Exists(Path.Combine(RepoRoot.Path, "src", "CommunityModel", "Commissions", "Rules", "CommissionRules.cs")));
    }

    [Theory]
    [InlineData("CommunityModel")]
    [InlineData("CommunityModel.Simulation")]
    [InlineData("CommunityModel.Serialization.Json")]
    public void EveryPublicClass_LivesInAFileNamedAfterIt(string project)
    {
        var misplaced = new List<string>();
        foreach (var (relative, text) in Sources(project))
        {
            var file = Path.GetFileNameWithoutExtension(relative);
            foreach (Match m in PublicClass().Matches(text))
            {
                if (m.Groups["name"].Value != file && !m.Groups["mods"].Value.Contains("partial", StringComparison.Ordinal))
                {
                    misplaced.Add($"{m.Groups["name"].Value} in {relative}");
                }
            }
        }

        Assert.Empty(misplaced);
    }

    private static string StripComments(string text) => LineComment().Replace(text, string.Empty);

    [GeneratedRegex(@"\bunsafe\b")]
    private static partial Regex Unsafe();

    [GeneratedRegex(@"^public (?<mods>(?:sealed |abstract |static |partial )*)class (?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex PublicClass();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
}
