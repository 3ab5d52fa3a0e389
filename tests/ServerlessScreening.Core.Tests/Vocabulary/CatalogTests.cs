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

    // An ATC code that no ingredient lists still proves its class when a class rule's prefix covers it; the ingredient
    // is then unknown rather than guessed.
    [Theory]
    [InlineData("J01DB04", "ATC", null, "anti-infective")] // cefazolin, not in the catalogue
    [InlineData("J01DB04", null, "头孢唑林钠", "anti-infective")] // no code system: an ATC-shaped code is read as ATC
    [InlineData("j01db04", "atc", null, "anti-infective")]
    [InlineData("J02AC04", "ATC", null, "anti-infective")] // posaconazole
    [InlineData("J04AB04", "http://www.whocc.no/atc", null, "anti-infective")] // rifabutin
    [InlineData("J05AX", "ATC", null, "anti-infective")] // a 4th-level group
    [InlineData("L04AC02", "ATC", null, "biologic")] // basiliximab, an interleukin inhibitor the catalogue does not list
    public void Atc_codes_under_a_class_rule_give_its_class_without_an_ingredient(string code, string? system, string? name, string drugClass)
    {
        var match = DrugCatalog.Default.Classify(code, system, name);

        Assert.NotNull(match);
        Assert.Null(match.Ingredient);
        Assert.Contains(drugClass, match.Classes);
        Assert.Contains(code.ToUpperInvariant(), match.MatchedBy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("J01DB04", "RxNorm")] // not an ATC code in that system
    [InlineData("N02BE01", "ATC")] // paracetamol: no class rule covers it
    [InlineData("J01DB04X", "ATC")] // not shaped like an ATC code
    [InlineData("XJ01DB04", null)]
    [InlineData("J0", "ATC")]
    public void Codes_no_class_rule_covers_are_not_classified(string code, string? system) =>
        Assert.Null(DrugCatalog.Default.Classify(code, system, null));

    [Fact]
    public void A_name_naming_a_drug_of_another_class_than_its_atc_code_does_not_lend_its_ingredient()
    {
        // The code is preferred over the name: J01 says antibacterial, so a name resolving to an immunosuppressant is
        // a contradiction, and the record keeps only what its code proves.
        var match = DrugCatalog.Default.Classify("J01DB04", "ATC", "tacrolimus");

        Assert.NotNull(match);
        Assert.Null(match.Ingredient);
        Assert.Equal(["anti-infective"], match.Classes);
    }

    [Fact]
    public void A_name_that_agrees_with_the_class_of_its_atc_code_gives_the_ingredient()
    {
        var match = DrugCatalog.Default.Classify("J01CA", "ATC", "amoxicillin");

        Assert.NotNull(match);
        Assert.Equal("amoxicillin", match.Ingredient?.Id);
        Assert.Contains("anti-infective", match.Classes);
    }

    [Theory]
    [InlineData("Ibuprofen 200 MG Oral Tablet")]
    [InlineData("Acetaminophen 325 MG")]
    public void Unrelated_drugs_do_not_resolve(string name) => Assert.Null(DrugCatalog.Default.Resolve(null, null, name));
}
