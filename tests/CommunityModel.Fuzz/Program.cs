using CommunityModel.Fuzz;
using SharpFuzz;

// dotnet CommunityModel.Fuzz.dll <target>                     : the afl-fuzz target (SharpFuzz's fork server), see .ci/fuzz
// dotnet CommunityModel.Fuzz.dll <target> --replay <file>...  : runs files through the target without AFL, printing what escapes
// dotnet CommunityModel.Fuzz.dll --seeds <target> <folder>    : copies the target's sample files into a corpus folder
// dotnet CommunityModel.Fuzz.dll --list                       : the targets
if (args is ["--list"])
{
    Console.WriteLine(string.Join(Environment.NewLine, Targets.All.Keys));
    return 0;
}

if (args is ["--seeds", var seedTarget, var folder])
{
    Directory.CreateDirectory(folder);
    foreach (var name in Targets.All[seedTarget].Seeds)
    {
        File.Copy(Path.Combine(Targets.SamplesConfig(), name), Path.Combine(folder, name), overwrite: true);
    }

    return 0;
}

if (args.Length == 0 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: CommunityModel.Fuzz <target> [--replay file...]; targets: {string.Join(", ", Targets.All.Keys)}");
    return 2;
}

if (args is [_, "--replay", .. var files])
{
    var failed = 0;
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
            Console.WriteLine($"{file}: ok");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"{file}: {e.GetType().FullName}: {e.Message}");
            Console.WriteLine(e.StackTrace);
        }
    }

    return failed == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.ToArray());
});
return 0;
