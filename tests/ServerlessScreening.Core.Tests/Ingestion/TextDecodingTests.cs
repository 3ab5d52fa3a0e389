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
}
