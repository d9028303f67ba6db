using CommunityModel.Cli;

namespace CommunityModel.Tests.Cli;

/// <summary>The CLI marks the runtime's heap reservation for transparent huge pages, and only that.</summary>
public class HugePagesTests
{
    [Theory]
    [InlineData("7f08aefd1000-7f1460000000 ---p 00000000 00:00 0 ", 0x7f08aefd1000UL, 0x7f1460000000UL - 0x7f08aefd1000UL)]
    [InlineData("7f08a2000000-7f08a7e85000 rw-p 00000000 00:00 0", 0x7f08a2000000UL, 0x7f08a7e85000UL - 0x7f08a2000000UL)]
    public void An_anonymous_mapping_gives_its_start_and_length(string line, ulong start, ulong length)
        => Assert.Equal((start, length), HugePages.LargeAnonymous(line));

    [Theory]
    [InlineData("7f1479ae0000-7f14f5800000 r-xp 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6")]
    [InlineData("7ffd5a1c0000-7ffd5a1e1000 rw-p 00000000 00:00 0                          [stack]")]
    [InlineData("not a mapping at all")]
    [InlineData("7f14f5800000-7f1479ae0000 rw-p 00000000 00:00 0")]
    [InlineData("zz-7f1479ae0000 rw-p 00000000 00:00 0")]
    [InlineData("")]
    public void A_mapping_with_a_path_or_a_malformed_line_is_left_alone(string line)
        => Assert.Null(HugePages.LargeAnonymous(line));

    [Fact]
    public void Turned_off_it_marks_nothing()
    {
        Assert.Equal(0, HugePages.Advise("0"));
        Assert.Equal(0, HugePages.Advise("false"));
    }

    [Fact]
    public void Where_the_kernel_has_huge_pages_the_heap_reservation_is_marked()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
        {
            Assert.Equal(0, OperatingSystem.IsLinux() ? 0 : HugePages.Advise(null));
            return;
        }

        Assert.True(HugePages.Advise(null) > 0);
        // The kernel shows the advice as the "hg" flag of the mapping in smaps.
        string? range = null;
        var marked = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (HugePages.LargeAnonymous(line) is var (_, length))
            {
                range = length >= 256UL << 20 ? line : null;
            }
            else if (range is not null && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                marked |= line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("hg");
                range = null;
            }
        }

        Assert.True(marked, "no large anonymous mapping carries the huge-page advice");
    }
}
