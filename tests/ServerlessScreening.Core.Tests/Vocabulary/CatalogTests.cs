using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Vocabulary;

public sealed class CatalogTests
{
    [Theory]
    [InlineData("2890-2", "upcr")]
    [InlineData("2889-4", "urine-protein-24h")]
    [InlineData("14959-1", "uacr")] // microalbumin/creatinine: a look-alike, never UPCR
    [InlineData("9318-7", "uacr")]
    [InlineData("5804-0", "urine-protein-dipstick")]
    [InlineData("2106-3", "urine-hcg")]
    public void Loinc_codes(string code, string test) => Assert.Equal(test, LabCatalog.Default.FindByLoinc(code)?.Id);

    [Theory]
    [InlineData("尿蛋白/肌酐比值", "upcr")]
    [InlineData("UPCR", "upcr")]
    [InlineData("24小时尿蛋白定量", "urine-protein-24h")]
    [InlineData("尿微量白蛋白/肌酐比值", "uacr")]
    [InlineData("补体C3", "c3")]
    public void Names_in_English_and_Chinese(string name, string test) => Assert.Equal(test, LabCatalog.Default.FindByName(name)?.Id);

    [Fact]
    public void Every_test_and_ingredient_cites_a_source_or_is_named_by_a_code_system()
    {
        Assert.All(LabCatalog.Default.Tests, t => Assert.NotEmpty(t.Sources));
        Assert.All(DrugCatalog.Default.Ingredients.Where(i => i.Atc.Count > 0 || i.Rxnorm.Count > 0 || i.Cvx.Count > 0), i => Assert.True(i.Sources.Count > 0 || i.Atc.Count > 0, i.Id));
    }

    [Fact]
    public void No_loinc_code_or_name_belongs_to_two_tests()
    {
        var codes = LabCatalog.Default.Tests.SelectMany(t => t.Loinc.Select(l => l.Code)).ToList();
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("upcr", "mg/mmol", 113.12, 1.0)]
    [InlineData("upcr", "mg/g", 1500, 1.5)]
    [InlineData("urine-protein-24h", "mg/24h", 2100, 2.1)]
    [InlineData("wbc", "10^9/L", 3.2, 3.2)]
    [InlineData("wbc", "10*3/uL", 3.2, 3.2)]
    [InlineData("wbc", "/uL", 3200, 3.2)]
    [InlineData("c3", "mg/dL", 90, 0.9)]
    [InlineData("hemoglobin", "g/dL", 12.5, 125)]
    public void Unit_conversions_to_the_canonical_unit(string test, string unit, double value, double expected)
    {
        var definition = LabCatalog.Default.FindById(test)!;
        var conversion = LabCatalog.Default.FindUnit(definition, unit);

        Assert.NotNull(conversion);
        Assert.Equal((decimal)expected, Math.Round(conversion.Apply((decimal)value), 6));
    }

    [Theory]
    [InlineData("rituximab", null, null, "rituximab", "b-cell-depleting")]
    [InlineData("MabThera", null, null, "rituximab", "b-cell-depleting")]
    [InlineData(null, "L01XC02", "ATC", "rituximab", "b-cell-depleting")] // pre-2024 code
    [InlineData(null, "L01FA01", "ATC", "rituximab", "b-cell-depleting")]
    [InlineData(null, "121191", "RxNorm", "rituximab", "b-cell-depleting")]
    [InlineData("Amoxicillin 500 MG Oral Tablet", null, null, "amoxicillin", "anti-infective")]
    [InlineData("他克莫司胶囊", null, null, "tacrolimus", "immunosuppressant")]
    [InlineData("Xeljanz", null, null, "tofacitinib", "targeted-small-molecule")]
    [InlineData(null, "03", "CVX", "mmr-vaccine", "vaccine-live")]
    public void Drugs_resolve_by_code_or_name_to_ingredient_and_class(string? name, string? code, string? system, string ingredient, string drugClass)
    {
        var match = DrugCatalog.Default.Resolve(code, system, name);

        Assert.NotNull(match);
        Assert.Equal(ingredient, match.Ingredient.Id);
        Assert.Contains(drugClass, match.Classes);
    }

    [Theory]
    [InlineData(null, "J01CA04", "ATC", "amoxicillin", "anti-infective")]
    [InlineData(null, "J01DD04", "ATC", "ceftriaxone", "anti-infective")]
    [InlineData(null, "J02AC02", "ATC", "itraconazole", "antifungal-onychomycosis")]
    [InlineData(null, "D01BA02", "ATC", "terbinafine", "antifungal-onychomycosis")]
    [InlineData(null, "J04AB02", "ATC", "rifampicin", "anti-infective")]
    [InlineData(null, "J05AR03", "ATC", "emtricitabine-tenofovir-disoproxil", "anti-infective")]
    [InlineData("头孢曲松钠", "J01DD04", "ATC", "ceftriaxone", "anti-infective")]
    public void Anti_infectives_resolve_by_their_atc_code(string? name, string code, string system, string ingredient, string drugClass)
    {
        var match = DrugCatalog.Default.Resolve(code, system, name);

        Assert.NotNull(match);
        Assert.Equal(ingredient, match.Ingredient.Id);
        Assert.Contains(drugClass, match.Classes);
    }

    [Theory]
    [InlineData("Ibuprofen 200 MG Oral Tablet")]
    [InlineData("Acetaminophen 325 MG")]
    public void Unrelated_drugs_do_not_resolve(string name) => Assert.Null(DrugCatalog.Default.Resolve(null, null, name));
}
