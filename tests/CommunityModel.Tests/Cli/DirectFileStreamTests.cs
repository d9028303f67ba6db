using CommunityModel.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Cli;

/// <summary>The close's large files hold exactly the bytes written, whatever the sizes of the writes and of the whole.</summary>
public class DirectFileStreamTests
{
    private const int Block = 4 << 20;

    private static byte[] Written(IEnumerable<int> sizes, out bool direct)
    {
        var path = Path.Combine(Path.GetTempPath(), "direct-" + Guid.NewGuid().ToString("N"));
        try
        {
            var expected = new List<byte>();
            var random = new Random(7);
            using (var stream = DirectFileStream.Create(path))
            {
                direct = stream.IsDirect;
                foreach (var size in sizes)
                {
                    var chunk = new byte[size];
                    random.NextBytes(chunk);
                    stream.Write(chunk);
                    expected.AddRange(chunk);
                    Assert.Equal(expected.Count, stream.Length);
                }
            }

            var actual = File.ReadAllBytes(path);
            Assert.Equal(expected.Count, actual.Length);
            Assert.True(expected.SequenceEqual(actual), "the file's bytes differ from those written");
            return actual;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 4095 })]
    [InlineData(new[] { 4096 })]
    [InlineData(new[] { 4097 })]
    [InlineData(new[] { Block })]
    [InlineData(new[] { Block - 1, 1 })]
    [InlineData(new[] { Block + 1 })]
    [InlineData(new[] { 3 * Block, 5 })]
    [InlineData(new[] { 100, Block, Block, 4096 })]
    public void TheFile_HoldsExactlyTheBytesWritten(int[] sizes) => Written(sizes, out _);

    [Property(MaxTest = 25)]
    public Property AnySequenceOfWrites_GivesTheSameBytes() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(Gen.OneOf(Gen.Choose(0, 5000), Gen.Choose(Block - 5000, Block + 5000)).Select(n => n)).Select(l => l.Take(6).ToArray())),
            sizes => Written(sizes, out _).Length == sizes.Sum());

    [Fact]
    public void OnLinux_AFileSystemThatAllowsIt_BypassesTheCache()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The test's temporary folder is on a disk here (ext4 allows O_DIRECT); tmpfs on older kernels does not, and
        // then the same blocks go through the cache, as the other tests show.
        var fileSystem = File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Where(p => p.Length > 2 && Path.GetTempPath().StartsWith(p[1], StringComparison.Ordinal))
            .OrderByDescending(p => p[1].Length).Select(p => p[2]).FirstOrDefault();
        Written([10], out var direct);
        if (fileSystem is "ext4" or "xfs" or "btrfs")
        {
            Assert.True(direct, $"a file on {fileSystem} should bypass the page cache");
        }
    }

    [Fact]
    public void ALargeOutputFile_WithTheExcelMark_StartsWithIt()
    {
        var folder = Path.Combine(Path.GetTempPath(), "large-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var before = Csv.Excel;
        try
        {
            Csv.Excel = true;
            var path = Path.Combine(folder, "x.csv");
            using (var file = OutputFile.CreateLarge(path, "--out"))
            {
                file.Writer.Write("a,b\n1,2\n");
                file.Commit();
            }

            Assert.Equal([0xEF, 0xBB, 0xBF, .. "a,b\n1,2\n"u8.ToArray()], File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Csv.Excel = before;
            Directory.Delete(folder, recursive: true);
        }
    }
}
