using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Tests.Ingestion;

public sealed class DateReaderTests
{
    [Theory]
    [InlineData("2025-03-01", "2025-03-01")]
    [InlineData("2025-03-01T08:30", "2025-03-01T08:30:00")]
    [InlineData("2025-03-01 08:30:00", "2025-03-01T08:30:00")]
    [InlineData("2025/03/01", "2025-03-01")]
    [InlineData("2025/3/1 08:30", "2025-03-01T08:30:00")]
    [InlineData("2014-05-31T18:34:30Z", "2014-05-31T18:34:30Z")]
    [InlineData("2025-03-01T08:30:00+08:00", "2025-03-01T08:30:00+08:00")]
    [InlineData("2025-03-01T08:30:00.123-0500", "2025-03-01T08:30:00-05:00")]
    [InlineData("2025年3月1日", "2025-03-01")]
    public void Accepted_forms(string text, string expected)
    {
        var parsed = new DateReader().Read(text);

        Assert.True(parsed.IsOk, parsed.Message);
        Assert.Equal(expected, parsed.Value.ToString());
    }

    [Theory]
    [InlineData("2025-02-29", ErrorCodes.InvalidDate)]
    [InlineData("2025-13-01", ErrorCodes.InvalidDate)]
    [InlineData("01/03/2025", ErrorCodes.AmbiguousDate)]
    [InlineData("2025-03-01T25:00", ErrorCodes.InvalidDate)]
    [InlineData("yesterday", ErrorCodes.InvalidDate)]
    [InlineData("20250301", ErrorCodes.InvalidDate)]
    [InlineData("", ErrorCodes.MissingValue)]
    public void Rejected_forms(string text, string code) => Assert.Equal(code, new DateReader().Read(text).ErrorCode);

    [Theory]
    [InlineData("dd/MM/yyyy", "01/03/2025", "2025-03-01")]
    [InlineData("MM/dd/yyyy", "01/03/2025", "2025-01-03")]
    [InlineData("dd.MM.yyyy", "31.12.2024 23:59", "2024-12-31T23:59:00")]
    public void Declared_orders(string format, string text, string expected) =>
        Assert.Equal(expected, new DateReader(DateReader.ParseOrder(format)).Read(text).Value.ToString());
}
