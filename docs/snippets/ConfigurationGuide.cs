using CommunityModel.Serialization.Json;
using CommunityModel.Groups;

namespace CommunityModel.Docs;

/// <summary>The code of docs/configuration.md.</summary>
public static class ConfigurationGuide
{
    public static (bool Valid, IReadOnlyList<string> Problems, string Written) ReadAPolicy(string json)
    {
        #region configuration-read
        ConfigResult<GroupPolicy> result = ConfigJson.ReadGroupPolicy(json);
        if (!result.IsValid)
        {
            // Every problem at once: its JSON path, a stable code, and the line and column for text problems.
            var problems = result.Problems.Select(p => $"{p.Path} [{p.Code}] {p.Message}").ToList();
            return (false, problems, "");
        }

        GroupPolicy policy = result.Value!;
        string written = ConfigJson.Write(policy); // reads back to the same text
        #endregion

        return (true, [], written);
    }
}
