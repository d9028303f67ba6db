using System.Diagnostics;
using System.Globalization;

namespace CommunityModel.Cli;

/// <summary>
/// A one-line progress bar on the error stream, for work that takes more than a second when that stream is a
/// terminal. It draws nothing for the first second and nothing at all when disabled (redirected output, tests).
/// </summary>
internal sealed class ProgressBar : IProgress<int>, IDisposable
{
    private const int Width = 30;
    private readonly TextWriter _writer;
    private readonly bool _enabled;
    private readonly string _label;
    private readonly long _total;
    private readonly Func<long> _elapsedMs;
    private long _lastDrawMs = -1_000;
    private bool _drawn;

    public ProgressBar(TextWriter writer, bool enabled, string label, long total)
        : this(writer, enabled, label, total, Stopwatch.StartNew())
    {
    }

    private ProgressBar(TextWriter writer, bool enabled, string label, long total, Stopwatch clock)
        : this(writer, enabled, label, total, () => clock.ElapsedMilliseconds)
    {
    }

    /// <summary>With a clock of its own (milliseconds since the work began), for tests.</summary>
    internal ProgressBar(TextWriter writer, bool enabled, string label, long total, Func<long> elapsedMs)
    {
        _elapsedMs = elapsedMs;
        _writer = writer;
        _enabled = enabled && total > 0;
        _label = label;
        _total = total;
    }

    public void Report(int value) => Report((long)value);

    public void Report(long done)
    {
        if (!_enabled)
        {
            return;
        }

        var ms = _elapsedMs();
        if (ms < 1_000 || ms - _lastDrawMs < 100)
        {
            return;
        }

        _lastDrawMs = ms;
        var fraction = Math.Clamp((double)done / _total, 0, 1);
        var filled = (int)Math.Round(fraction * Width);
        _writer.Write($"\r{_label} [{new string('#', filled)}{new string('-', Width - filled)}] {(fraction * 100).ToString("0", CultureInfo.InvariantCulture),3}% ");
        _writer.Flush();
        _drawn = true;
    }

    /// <summary>Yields the items, reporting how many have passed.</summary>
    public IEnumerable<T> Track<T>(IEnumerable<T> items)
    {
        long i = 0;
        foreach (var item in items)
        {
            yield return item;
            Report(++i);
        }
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _writer.Write("\r" + new string(' ', _label.Length + Width + 10) + "\r");
            _writer.Flush();
        }
    }
}
