using System.Globalization;
using System.Text;

namespace CommunityModel.Cli;

/// <summary>
/// An output file written to a temporary file in the target folder and renamed over the target only when
/// <see cref="Commit"/> is called, so a failure (bad input found late, a full disk) leaves nothing partial.
/// Disposing without committing deletes the temporary file.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private static readonly AsyncLocal<TextWriter?> Standard = new();

    private readonly string _target;
    private readonly string _temp;
    private TextWriter? _writer;
    private readonly bool _toStandardOutput;

    private OutputFile(string target, string temp, TextWriter writer, bool toStandardOutput = false)
    {
        _target = target;
        _temp = temp;
        _writer = writer;
        _toStandardOutput = toStandardOutput;
    }

    /// <summary>
    /// Where a file named <c>-</c> goes (<c>--out -</c>): the command's standard output, set for the command's run;
    /// null: <c>-</c> is refused.
    /// </summary>
    public static TextWriter? StandardOutput
    {
        get => Standard.Value;
        set => Standard.Value = value;
    }

    /// <summary>Where the text goes until it is committed.</summary>
    public TextWriter Writer => _writer ?? throw new ObjectDisposedException(nameof(OutputFile));

    /// <summary>Checks, before any work is done, that a file can be written at <paramref name="path"/>.</summary>
    /// <param name="path">The target.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <exception cref="InputException">The folder does not exist, or the path is a folder.</exception>
    public static void Check(string path, string option)
    {
        if (path == "-")
        {
            if (StandardOutput is null)
            {
                throw new InputException(path, 0, 0, $"{option} - (standard output) is not possible here; give a file name");
            }

            return;
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new InputException(path, 0, 0, $"{option} names a folder; give a file name");
        }

        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder))
        {
            throw new InputException(path, 0, 0, $"{option}: the folder {folder} does not exist");
        }
    }

    /// <summary>Starts a file (UTF-8; with a byte-order mark only for <c>--excel</c>).</summary>
    /// <param name="path">The target.</param>
    /// <param name="option">The option that named it.</param>
    /// <returns>The file, to write and commit.</returns>
    public static OutputFile Create(string path, string option) => Create(path, option, large: false);

    /// <summary>
    /// Starts a file that may be gigabytes long: as <see cref="Create(string, string)"/>, but written in 4 MiB blocks
    /// that bypass the page cache where the system allows it (<see cref="DirectFileStream"/>).
    /// </summary>
    /// <param name="path">The target.</param>
    /// <param name="option">The option that named it.</param>
    /// <returns>The file, to write and commit.</returns>
    public static OutputFile CreateLarge(string path, string option) => Create(path, option, large: true);

    private static OutputFile Create(string path, string option, bool large)
    {
        Check(path, option);
        if (path == "-")
        {
            return new OutputFile("-", "-", StandardOutput!, toStandardOutput: true);
        }

        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: Csv.Excel);
            var writer = large
                ? new StreamWriter(DirectFileStream.Create(temp), encoding, bufferSize: 1 << 16)
                : new StreamWriter(temp, append: false, encoding, bufferSize: 1 << 16);
            writer.NewLine = "\n";
            return new OutputFile(full, temp, writer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, 0, 0, $"{option}: cannot write here ({e.Message})");
        }
    }

    /// <summary>Writes a whole text to a file, atomically.</summary>
    public static void Write(string path, string option, string content)
    {
        using var file = Create(path, option);
        file.Writer.Write(content);
        file.Commit();
    }

    /// <summary>Finishes the file and puts it in place.</summary>
    public void Commit()
    {
        if (_toStandardOutput)
        {
            _writer!.Flush();
            _writer = null;
            return;
        }

        try
        {
            _writer!.Dispose();
            _writer = null;
            File.Move(_temp, _target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(_target, 0, 0, $"cannot write the file ({e.Message})");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_writer is not null && _toStandardOutput)
        {
            // What was written to standard output cannot be taken back; a failure says so on standard error.
            _writer = null;
        }
        else if (_writer is not null)
        {
            _writer.Dispose();
            _writer = null;
            File.Delete(_temp);
        }
    }
}
