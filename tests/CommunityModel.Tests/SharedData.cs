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

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommunityModel.sln")))
            {
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(data) ? data : null;
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
