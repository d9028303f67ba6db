namespace CommunityModel.Orleans.Grains;

/// <summary>Where the grains keep their journals.</summary>
public static class JournalStorage
{
    /// <summary>The name of the grain storage that holds stores' and groups' journals.</summary>
    public const string Name = "journal";
}
