using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;

namespace CommunityModel.Tests.Package;

/// <summary>
/// Checks the packages <c>dotnet pack src/CommunityModel -c Release -o artifacts</c> wrote (CI packs before it
/// tests). Skipped when there is no package, unless COMMUNITYMODEL_REQUIRE_PACKAGE=1 makes that a failure.
/// </summary>
public sealed class PackageTests
{
    private static readonly Guid EmbeddedSource = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    /// <summary>The library's package (not the tool's) with the extension, or null.</summary>
    internal static string? Artifact(string extension)
    {
        var artifacts = RepoRoot.OrNull is { } root ? Path.Combine(root, "artifacts") : null;
        return artifacts is not null && Directory.Exists(artifacts)
            ? Directory.GetFiles(artifacts, "CommunityModel.*" + extension).Where(f => char.IsDigit(Path.GetFileName(f)["CommunityModel.".Length])).OrderDescending().FirstOrDefault()
            : null;
    }

    [PackageFact]
    public void ThePackage_HasReadmeDocsLicenceTagsAndDependencies()
    {
        using var zip = ZipFile.OpenRead(Artifact(".nupkg") ?? throw new FileNotFoundException("artifacts/CommunityModel.*.nupkg"));
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", names);
        Assert.Contains("lib/net10.0/CommunityModel.dll", names);
        Assert.Contains("lib/net10.0/CommunityModel.xml", names);

        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.GetDefaultNamespace();
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("CommunityModel", metadata.Element(ns + "id")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.Contains("commission", metadata.Element(ns + "tags")!.Value, StringComparison.Ordinal);
        Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("commit"));
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToHashSet();
        Assert.Superset(new HashSet<string> { "FluentValidation", "NodaTime", "NodaTime.Serialization.SystemTextJson" }, dependencies);
        Assert.DoesNotContain("Microsoft.CodeAnalysis.PublicApiAnalyzers", dependencies);

        // Every public member is documented: the XML docs name the main types.
        using var docs = zip.GetEntry("lib/net10.0/CommunityModel.xml")!.Open();
        var members = XDocument.Load(docs).Descendants("member").Select(m => m.Attribute("name")!.Value).ToHashSet();
        Assert.Contains("T:CommunityModel.Commissions.CommissionEngine", members);
        Assert.Contains("T:CommunityModel.Configuration.ConfigJson", members);
    }

    [PackageFact]
    public void TheSymbolsPackage_HasThePdbWithTheSourcesEmbedded()
    {
        using var zip = ZipFile.OpenRead(Artifact(".snupkg") ?? throw new FileNotFoundException("artifacts/CommunityModel.*.snupkg"));
        var pdbEntry = zip.GetEntry("lib/net10.0/CommunityModel.pdb");
        Assert.NotNull(pdbEntry);
        using var pdb = new MemoryStream();
        using (var s = pdbEntry.Open())
        {
            s.CopyTo(pdb);
        }

        pdb.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        var reader = provider.GetMetadataReader();
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.Contains(documents, d => d.EndsWith("CommissionEngine.cs", StringComparison.Ordinal));
        var embedded = reader.CustomDebugInformation
            .Select(h => reader.GetCustomDebugInformation(h))
            .Count(c => reader.GetGuid(c.Kind) == EmbeddedSource);
        Assert.True(embedded >= documents.Count(d => d.EndsWith(".cs", StringComparison.Ordinal) && !d.Contains("obj", StringComparison.Ordinal)), $"{embedded} embedded sources for {documents.Count} documents");
    }
}

/// <summary>A fact about the packed package: skipped with a reason when it was not packed, unless it is required.</summary>
public sealed class PackageFactAttribute : FactAttribute
{
    public PackageFactAttribute()
    {
        if (PackageTests.Artifact(".nupkg") is null && Environment.GetEnvironmentVariable("COMMUNITYMODEL_REQUIRE_PACKAGE") != "1")
        {
            Skip = "no package in artifacts/ (run dotnet pack src/CommunityModel -c Release -o artifacts); COMMUNITYMODEL_REQUIRE_PACKAGE=1 makes that a failure.";
        }
    }
}
