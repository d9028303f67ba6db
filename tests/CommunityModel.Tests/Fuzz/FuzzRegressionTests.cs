using CommunityModel.Fuzz;

namespace CommunityModel.Tests.Fuzz;

public class FuzzRegressionTests
{
    private static string Inputs => Path.Combine(RepoRoot.Path, "tests", "CommunityModel.Tests", "Fuzz", "inputs");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (target, (_, seeds)) in Targets.All)
        {
            foreach (var seed in seeds)
            {
                data.Add(target, RepoRoot.SampleConfig(seed));
            }

            var folder = Path.Combine(Inputs, target);
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray() : [])
            {
                data.Add(target, file);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryInputEndsNormally_NoExceptionEscapesAReader(string target, string file) =>
        Targets.All[target].Run(File.ReadAllBytes(file));

    [Fact]
    public void EveryTarget_HasItsSeeds_AndItsFolderOfRegressionInputs()
    {
        foreach (var (target, (_, seeds)) in Targets.All)
        {
            Assert.NotEmpty(seeds);
            Assert.All(seeds, s => Assert.True(File.Exists(RepoRoot.SampleConfig(s)), s));
            Assert.True(Directory.Exists(Path.Combine(Inputs, target)), target);
        }
    }
}
