using System.Text;
using Neq.Train.TensorBoard;

namespace Neq.Onnx.Tests.TensorBoard;

/// <summary>The test reader's bitwise CRC-32C against published vectors, then the writer's (SSE4.2 and table paths) against it.</summary>
public sealed class Crc32CTests
{
    // "123456789" is the catalogue check value (Williams, CRC RevEng: CRC-32/ISCSI); the 32-byte
    // vectors are RFC 3720 (iSCSI) appendix B.4.
    public static TheoryData<byte[], uint> Published => new()
    {
        { Encoding.ASCII.GetBytes("123456789"), 0xE3069283u },
        { new byte[32], 0x8A9136AAu },
        { Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u },
        { Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu },
        { Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5Cu },
        { Array.Empty<byte>(), 0u },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public void Bitwise_reader_crc_matches_published_vectors(byte[] data, uint expected) =>
        Assert.Equal(expected, EventFileReader.Crc32C(data));

    [Theory]
    [MemberData(nameof(Published))]
    public void Writer_crc_matches_published_vectors_on_both_paths(byte[] data, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(data));
        Assert.Equal(expected, Crc32C.ComputeInSoftware(data));
    }

    [Fact]
    public void Writer_crc_and_mask_agree_with_the_bitwise_reader_for_every_length_up_to_70()
    {
        // Lengths 0..70 cover the intrinsic path's 8-byte loop with every tail length.
        var rng = new Random(7);
        for (var n = 0; n <= 70; n++)
        {
            var data = new byte[n];
            rng.NextBytes(data);
            Assert.Equal(EventFileReader.Crc32C(data), Crc32C.Compute(data));
            Assert.Equal(EventFileReader.Crc32C(data), Crc32C.ComputeInSoftware(data));
            Assert.Equal(EventFileReader.Masked(data), Crc32C.Masked(data));
        }
    }
}
