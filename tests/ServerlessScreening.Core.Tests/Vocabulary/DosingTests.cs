using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Vocabulary;

public sealed class DosingTests
{
    [Theory]
    [InlineData("mg", 500, 500)]
    [InlineData("g", 1, 1000)]
    [InlineData("G", 0.5, 500)]
    [InlineData("克", 1, 1000)]
    [InlineData("毫克", 250, 250)]
    [InlineData("mcg", 500, 0.5)]
    [InlineData("µg", 500, 0.5)]
    [InlineData("μg", 500, 0.5)]
    public void Mass_units_read_as_milligrams(string unit, double dose, double milligrams) =>
        Assert.Equal((decimal)milligrams, Dosing.Default.InMilligrams((decimal)dose, unit));

    [Theory]
    [InlineData("tablet")]
    [InlineData("mL")]
    [InlineData("mg/kg")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_units_are_not_masses(string? unit) => Assert.Null(Dosing.Default.InMilligrams(1m, unit));

    [Theory]
    [InlineData("BID", "twice daily")]
    [InlineData("bid", "2/1d")]
    [InlineData("b.i.d.", "每日两次")]
    [InlineData("q12h", "BID")]
    [InlineData("every 8 hours", "TID")]
    [InlineData("q 6 h", "QID")]
    [InlineData("QD", "1/1d")]
    [InlineData("once daily", "每日一次")]
    [InlineData("QOD", "1/2d")]
    [InlineData("weekly", "1/1wk")]
    [InlineData("1/7d", "WK")]
    [InlineData("monthly", "1/1mo")]
    public void Frequencies_written_differently_have_the_same_rate(string a, string b)
    {
        Assert.NotNull(Dosing.Default.RateOf(a));
        Assert.Equal(Dosing.Default.RateOf(a), Dosing.Default.RateOf(b));
    }

    [Theory]
    [InlineData("BID", "TID")]
    [InlineData("QD", "QOD")]
    [InlineData("weekly", "monthly")]
    [InlineData("1/4wk", "monthly")] // four weeks is not a month
    [InlineData("q8h", "q12h")]
    public void Different_frequencies_have_different_rates(string a, string b) =>
        Assert.NotEqual(Dosing.Default.RateOf(a), Dosing.Default.RateOf(b));

    [Theory]
    [InlineData("as needed")]
    [InlineData("prn")]
    [InlineData("")]
    [InlineData(null)]
    public void Text_that_is_no_known_frequency_has_no_rate(string? frequency) => Assert.Null(Dosing.Default.RateOf(frequency));

    [Fact]
    public void Every_unit_and_frequency_cites_a_source()
    {
        Assert.All(Dosing.Default.MassUnits, u => Assert.NotEmpty(u.Sources));
        Assert.All(Dosing.Default.Frequencies, f => Assert.NotEmpty(f.Sources));
    }
}
