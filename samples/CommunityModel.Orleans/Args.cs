using System.Globalization;
using CommunityModel.Orleans.Load;

namespace CommunityModel.Orleans;

/// <summary>The sample's command line: a command and <c>--name value</c> options.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private Args(string command) => Command = command;

    public string Command { get; }

    public StoreHistoryOptions Months { get; } = new();

    public static Args Parse(string[] args)
    {
        var parsed = new Args(args.Length > 0 ? args[0] : "");
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{args[i]}' is not an option");
            }

            var name = args[i];
            parsed._options[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        return parsed;
    }

    public string Text(string name, string fallback) => _options.GetValueOrDefault(name, fallback);

    public bool Flag(string name) => _options.ContainsKey(name);

    public int Int(string name, int fallback) =>
        !_options.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new ArgumentException($"{name} '{text}' is not a positive whole number");
}
