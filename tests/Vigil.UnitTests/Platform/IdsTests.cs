using Vigil.Server.Platform.Data;

namespace Vigil.UnitTests.Platform;

public sealed class IdsTests
{
    [Fact]
    public void Ids_are_version_7_with_the_rfc_variant_and_the_time_they_were_made_at()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123);
        var id = Ids.New(at);

        id.Version.ShouldBe(7);
        // RFC 9562 variant: the two high bits of byte 8 are 10.
        (id.Variant & 0b1100).ShouldBe(0b1000);
        var text = id.ToString("N");
        Convert.ToInt64(text[..12], 16).ShouldBe(at.ToUnixTimeMilliseconds());
        // The same layout as the runtime's own version 7 ids.
        Guid.CreateVersion7(at).ToString("N")[..13].ShouldBe(text[..13]);
    }

    [Fact]
    public void Ids_made_later_sort_later_and_none_repeats_across_threads()
    {
        var earlier = Ids.New(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000));
        var later = Ids.New(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_001));
        string.CompareOrdinal(earlier.ToString(), later.ToString()).ShouldBeLessThan(0);

        // Several pools' worth on each of four threads: the random part never repeats and is not all zero.
        var perThread = 5_000;
        var made = new Guid[4][];
        Parallel.For(0, made.Length, t =>
        {
            var ids = new Guid[perThread];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = Ids.New();
            }
            made[t] = ids;
        });
        var all = made.SelectMany(ids => ids).ToList();
        all.Distinct().Count().ShouldBe(all.Count);
        all.Count(id => id.ToString("N")[13..].Trim('0').Length == 0).ShouldBe(0);
    }

    [Fact]
    public void Times_before_1970_are_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => Ids.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
