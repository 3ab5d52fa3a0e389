using System.Text;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Tests.Ingestion;

public sealed class TextDecodingTests
{
    /// <summary>Text without a byte-order mark, written in one encoding, is read back in it.</summary>
    [Theory]
    // GB18030 whose bytes are also valid UTF-8: 小时 is D0 A1 CA B1, which UTF-8 reads as "Сʱ".
    [InlineData("gb18030", "P1,2025-05-01,2889-4,1.2,g/24小时\n")]
    [InlineData("gb18030", "病历号,采样时间,项目名称,结果,单位\nP7,2025/05/18,尿蛋白/肌酐比值,1.8,g/g\n")]
    [InlineData("gb18030", "P1,2025-05-01,尿妊娠试验,阴性,\n")]
    [InlineData("utf-8", "P1,2025-05-01,14682-9,88,µmol/L\n")]
    [InlineData("utf-8", "P1,2025-05-01,14682-9,88,μmol/L\n")]
    [InlineData("utf-8", "P1,2025-05-01,6690-2,5.1,×10⁹/L\n")]
    [InlineData("utf-8", "P1,2025-05-01,8310-5,37.2,°C\n")]
    [InlineData("utf-8", "病历号,采样时间,项目名称,结果,单位\nP7,2025/05/18,尿蛋白/肌酐比值,1.8,g/g\n")]
    [InlineData("utf-8", "P1,2025-05-01,2889-4,1.2,g/24小时\n")]
    [InlineData("utf-8", "patient_id,collected_at,test_code,value,unit\n")]
    public void Detects_utf8_or_gb18030_without_being_told(string written, string text)
    {
        var bytes = (written == "utf-8" ? new UTF8Encoding(false) : TextDecoding.Gb18030).GetBytes(text);

        var (encoding, name, bomLength) = TextDecoding.Detect(bytes, declared: null);

        Assert.Equal(written, name);
        Assert.Equal(0, bomLength);
        Assert.Equal(text, encoding.GetString(bytes));
    }

    [Fact]
    public void A_multibyte_character_cut_by_the_end_of_the_sniffed_prefix_does_not_change_the_decision()
    {
        var utf8 = Encoding.UTF8.GetBytes("P1,2025-05-01,14682-9,88,µmol/L,尿");
        var gb = TextDecoding.Gb18030.GetBytes("P1,2025-05-01,2889-4,1.2,g/24小时");

        Assert.Equal("utf-8", TextDecoding.Detect(utf8.AsSpan(0, utf8.Length - 1), null).Name);
        Assert.Equal("gb18030", TextDecoding.Detect(gb.AsSpan(0, gb.Length - 1), null).Name);
    }

    /// <summary>
    /// A file whose sniffed prefix is plain ASCII is decided where its first other byte appears, whatever the reads'
    /// sizes: Chinese rows after 70 KB of ASCII rows are read right in GB18030 and in UTF-8.
    /// </summary>
    [Theory]
    [InlineData("gb18030", 1)]
    [InlineData("gb18030", 997)]
    [InlineData("gb18030", 65536)]
    [InlineData("utf-8", 1)]
    [InlineData("utf-8", 997)]
    [InlineData("utf-8", 65536)]
    public async Task A_file_that_starts_in_ascii_is_decided_at_its_first_other_byte(string written, int readSize)
    {
        var text = AsciiRows(70_000) + "P2,2025-05-01,尿蛋白/肌酐比值,1.5,g/g\nP3,2025-05-01,UPCR,阳性,\n" + AsciiRows(2_000);
        var bytes = (written == "utf-8" ? new UTF8Encoding(false) : TextDecoding.Gb18030).GetBytes(text);

        using var decoded = await TextDecoding.OpenAsync(new ChunkedStream(bytes, readSize), declared: null, CancellationToken.None);
        var read = await decoded.Reader.ReadToEndAsync();

        Assert.Equal(text, read);
        Assert.Equal(written, decoded.EncodingName);
    }

    [Fact]
    public async Task A_file_of_ascii_only_reads_as_utf8()
    {
        var text = AsciiRows(100_000);

        using var decoded = await TextDecoding.OpenAsync(new ChunkedStream(Encoding.ASCII.GetBytes(text), 4096), declared: null, CancellationToken.None);

        Assert.Equal(text, await decoded.Reader.ReadToEndAsync());
        Assert.Equal("utf-8", decoded.EncodingName);
    }

    [Fact]
    public async Task Chinese_lab_rows_after_70_KB_of_ascii_rows_in_GB18030_are_used()
    {
        var text = "patient_id,collected_at,test_name,value,unit\n" + AsciiRows(70_000) + "P2,2025-05-01,尿蛋白/肌酐比值,1.5,g/g\nP3,2025-05-01,尿妊娠试验,阳性,\n";
        var (outcome, sink) = await CsvIngestion.RunAsync(TextDecoding.Gb18030.GetBytes(text));

        Assert.Equal("gb18030", outcome.Report.Encoding);
        Assert.Equal(0, outcome.Report.RowsRejected);
        Assert.Contains(sink.Labs, l => l.TestId == "upcr" && l.Value.Number == 1.5m);
        Assert.Contains(sink.Labs, l => l.TestId == "urine-hcg" && l.Value.Result == ServerlessScreening.Facts.Qualitative.Positive);
    }

    private static string AsciiRows(int bytes)
    {
        var rows = new StringBuilder();
        for (var i = 0; rows.Length < bytes; i++)
        {
            rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"P1,2025-04-{1 + (i % 28):00},2889-4,{i % 10}.5,g/24h\n");
        }

        return rows.ToString();
    }

    /// <summary>A stream that returns at most a given number of bytes per read, as network streams do.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
    }
}
