namespace CommunityModel.Tests;

/// <summary>
/// Finds ../shared/data beside the repository root. Where it is absent the tests that need it are
/// skipped and say why, unless COMMUNITYMODEL_REQUIRE_SHARED_DATA=1 makes the absence a failure.
/// </summary>
public static class SharedData
{
    public static bool Required => Environment.GetEnvironmentVariable("COMMUNITYMODEL_REQUIRE_SHARED_DATA") == "1";

    public static string? Root { get; } = Find();

    public static string PathOf(string relative) =>
        Root is null
            ? throw new FileNotFoundException("../shared/data was not found beside the repository root (COMMUNITYMODEL_REQUIRE_SHARED_DATA=1 requires it).")
            : Path.Combine(Root, relative);

    /// <summary>CDNOW's published 39-week summary of its 2,357-customer sample (<c>ID,frequency,recency,T</c>, weeks).</summary>
    public static List<CommunityModel.Scoring.RepeatSummary> CdnowSummary() =>
        File.ReadLines(PathOf("cdnow/cdnow_customers_summary.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(f => new CommunityModel.Scoring.RepeatSummary(
                CommunityModel.Primitives.MemberId.From(f[0]),
                int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    private static string? Find()
    {
        if (RepoRoot.OrNull is not { } root)
        {
            return null;
        }

        var data = Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
        return Directory.Exists(data) ? data : null;
    }
}

/// <summary>The repository root: the folder above the test binaries that holds CommunityModel.sln.</summary>
public static class RepoRoot
{
    public static string? OrNull { get; } = Find();

    public static string Path => OrNull ?? throw new DirectoryNotFoundException("No CommunityModel.sln above " + AppContext.BaseDirectory);

    /// <summary>A file of samples/config.</summary>
    public static string SampleConfig(string name) => System.IO.Path.Combine(Path, "samples", "config", name);

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CommunityModel.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs ../shared/data: skipped with a reason when it is absent, unless it is required.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null && !SharedData.Required)
        {
            Skip = "../shared/data is not beside this clone; set COMMUNITYMODEL_REQUIRE_SHARED_DATA=1 to make that a failure.";
        }
    }
}
