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

    /// <summary>The package <paramref name="id"/> (the core library by default) with the extension, or null.</summary>
    internal static string? Artifact(string extension, string id = "CommunityModel")
    {
        var artifacts = RepoRoot.OrNull is { } root ? Path.Combine(root, "artifacts") : null;
        return artifacts is not null && Directory.Exists(artifacts)
            ? Directory.GetFiles(artifacts, id + ".*" + extension).Where(f => char.IsDigit(Path.GetFileName(f)[(id.Length + 1)..][0])).OrderDescending().FirstOrDefault()
            : null;
    }

    private static (HashSet<string> Names, XElement Metadata, XNamespace Ns, HashSet<string> Dependencies) Open(string id)
    {
        using var zip = ZipFile.OpenRead(Artifact(".nupkg", id) ?? throw new FileNotFoundException($"artifacts/{id}.*.nupkg"));
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.GetDefaultNamespace();
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToHashSet();
        return (names, metadata, ns, dependencies);
    }

    [PackageFact]
    public void ThePackages_FollowTheArrows_CoreHoldsNoJsonAndNoSimulator()
    {
        var core = Open("CommunityModel");
        Assert.Equal(new HashSet<string> { "FluentValidation", "NodaTime", "Ardalis.Specification", "MathNet.Numerics" }, core.Dependencies);

        var simulation = Open("CommunityModel.Simulation");
        Assert.Contains("lib/net10.0/CommunityModel.Simulation.dll", simulation.Names);
        Assert.Contains("lib/net10.0/CommunityModel.Simulation.xml", simulation.Names);
        Assert.Equal(new HashSet<string> { "CommunityModel" }, simulation.Dependencies);

        var json = Open("CommunityModel.Serialization.Json");
        Assert.Contains("lib/net10.0/CommunityModel.Serialization.Json.dll", json.Names);
        Assert.Equal(new HashSet<string> { "CommunityModel", "CommunityModel.Simulation", "NodaTime.Serialization.SystemTextJson" }, json.Dependencies);
        Assert.Equal("1.0.0", core.Metadata.Element(core.Ns + "version")!.Value);
        Assert.Equal("1.0.0", simulation.Metadata.Element(simulation.Ns + "version")!.Value);
        Assert.Equal("1.0.0", json.Metadata.Element(json.Ns + "version")!.Value);

        // The core assembly itself defines no JSON and no simulator type.
        var coreTypes = typeof(CommunityModel.Primitives.Money).Assembly.GetTypes().Select(t => t.Namespace ?? "").ToHashSet();
        Assert.DoesNotContain(coreTypes, n => n.StartsWith("CommunityModel.Simulation", StringComparison.Ordinal) || n.StartsWith("CommunityModel.Serialization", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(CommunityModel.Primitives.Money).Assembly.GetReferencedAssemblies(), a => a.Name == "System.Text.Json" || a.Name == "NodaTime.Serialization.SystemTextJson");
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
        Assert.Superset(new HashSet<string> { "FluentValidation", "NodaTime", "Ardalis.Specification" }, dependencies);
        Assert.DoesNotContain("Microsoft.CodeAnalysis.PublicApiAnalyzers", dependencies);

        // Every public member is documented: the XML docs name the main types.
        using var docs = zip.GetEntry("lib/net10.0/CommunityModel.xml")!.Open();
        var members = XDocument.Load(docs).Descendants("member").Select(m => m.Attribute("name")!.Value).ToHashSet();
        Assert.Contains("T:CommunityModel.Commissions.CommissionEngine", members);
        Assert.Contains("T:CommunityModel.Queries.MembersAtOrAboveTier", members);
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
