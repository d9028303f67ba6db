using CommunityModel.Cli;

namespace CommunityModel.Tests.Cli;

/// <summary>What the CLI test classes share: a temporary folder, files written into it, and a run of the command with its output.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase(string prefix) => Dir = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The test's own folder, deleted afterwards.</summary>
    protected string Dir { get; }

    /// <summary>Runs the command with the arguments; its exit code, standard output and standard error.</summary>
    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes a file into the test's folder and returns its path.</summary>
    protected string Temp(string name, string content)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
