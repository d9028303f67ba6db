using System.Text.RegularExpressions;
using CommunityModel.Cli;

namespace CommunityModel.Tests.Docs;

/// <summary>
/// Every <c>community</c> command shown in README.md, docs/*.md and samples/data/*/README.md runs as written against
/// the shipped files (in process, from the repository root; outputs go to a temporary folder).
/// </summary>
public sealed partial class CommandsInDocsTests : IDisposable
{
    private const string Prefix = "dotnet run --project samples/CommunityModel.Cli --";
    private readonly string _dir = Directory.CreateTempSubdirectory("community-docs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);


    public static TheoryData<string, string> Commands()
    {
        var data = new TheoryData<string, string>();
        var root = RepoRoot.Path;
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"))
            .Concat(Directory.GetFiles(Path.Combine(root, "samples", "data"), "README.md", SearchOption.AllDirectories));
        (string Where, List<string> Commands)? bookSequence = null;
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!lines[i].StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var command = lines[i][Prefix.Length..];
                while (command.EndsWith('\\'))
                {
                    command = command[..^1] + " " + lines[++i].Trim();
                }

                // A store book's commands (book init, close, pay) depend on each other: a doc's are one case, run in order.
                if (command.Trim().Split(' ')[0] is "book" or "close" or "pay")
                {
                    bookSequence ??= (Path.GetRelativePath(root, file) + ":" + (i + 1), []);
                    bookSequence.Value.Commands.Add(command.Trim());
                    continue;
                }

                data.Add(Path.GetRelativePath(root, file) + ":" + (i + 1), command.Trim());
            }

            if (bookSequence is { } sequence)
            {
                data.Add(sequence.Where, string.Join('\n', sequence.Commands));
                bookSequence = null;
            }
        }

        return data;
    }

    [Fact]
    public void TheDocsShowCommands()
    {
        // The theory below must not pass by finding nothing.
        Assert.True(Commands().Count >= 12, $"{Commands().Count} commands found");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryCommandInTheDocs_RunsAsWritten(string where, string commands)
    {
        var book = Directory.CreateTempSubdirectory("community-docs-book-").FullName;
        try
        {
            foreach (var command in commands.Split('\n'))
            {
                RunAsWritten(where, command, book);
            }
        }
        finally
        {
            Directory.Delete(book, recursive: true);
        }
    }

    private void RunAsWritten(string where, string command, string book)
    {
        var args = Words().Matches(command).Select(m => m.Value.Trim('"')).ToArray();
        for (var k = 0; k < args.Length; k++)
        {
            if (args[k].StartsWith("samples/", StringComparison.Ordinal))
            {
                args[k] = Path.Combine(RepoRoot.Path, args[k]);
            }
            else if (args[0] is "book" or "close" or "pay" && k > 0 && args[k - 1] is "--book" or "--out" or "--paid")
            {
                args[k] = Path.Combine(book, args[k]);
            }
            else if (k > 0 && args[k - 1] is "--out" or "--lines" or "--charts")
            {
                args[k] = Path.Combine(_dir, args[k]);
            }
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);

        // `plan check` exits 1 when the plan breaks a rule of severity error: that is its answer, not a failure.
        var allowed = args is ["plan", "check", ..] ? new[] { 0, 1 } : [0];
        Assert.True(allowed.Contains(code), $"{where}: exit {code}\n{command}\n{stderr}");
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("\"[^\"]*\"|\\S+")]
    private static partial Regex Words();
}
