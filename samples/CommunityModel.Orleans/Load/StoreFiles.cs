using CommunityModel.Orleans.Model;

namespace CommunityModel.Orleans.Load;

/// <summary>The seeds' store as the repository's sample files give it: plan, membership policy, ladder and group policy.</summary>
public static class StoreFiles
{
    /// <summary>The holding period the sample store uses.</summary>
    public const string Holding = "P2M";

    /// <summary>The repository's root: the first folder above <paramref name="from"/> that holds <c>samples/config</c>.</summary>
    public static string? FindRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "samples", "config", "membership.json")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>The repository's root, from the working folder or from where the program is.</summary>
    public static string Root() =>
        FindRoot(Directory.GetCurrentDirectory()) ?? FindRoot(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException("samples/config was not found above the working folder or the program: run from the repository");

    /// <summary>The sample store's setup: the month-end plan (10% / 5%, ranks by tier), the membership policy and the ladder.</summary>
    public static StoreSetup Setup(string root) => new(
        File.ReadAllText(Path.Combine(root, "samples", "month-end", "plan.json")),
        File.ReadAllText(Path.Combine(root, "samples", "config", "membership.json")),
        File.ReadAllText(Path.Combine(root, "samples", "config", "ladder.json")),
        Holding);

    /// <summary>The sample store's group policy.</summary>
    public static string GroupPolicy(string root) => File.ReadAllText(Path.Combine(root, "samples", "config", "group-policy.json"));
}
