using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Protocols;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;
using static ServerlessScreening.Tests.Protocols.PatientBuilder;

namespace ServerlessScreening.Tests.Protocols;

/// <summary>The inclusion criteria of CRITERIA.md, at their boundaries. Expectations come from the criteria text, not from the engine.</summary>
public sealed class InclusionCriteriaTests
{
    // INC02: age in completed years at the consent date; 19–65 inclusive pass.
    [Theory]
    [InlineData(2006, 6, 1, CriterionStatus.Pass)] // 19th birthday on the consent date: 19 completed years
    [InlineData(2006, 6, 2, CriterionStatus.Fail)] // 19th birthday the day after consent: still 18
    [InlineData(1959, 6, 2, CriterionStatus.Pass)] // 66th birthday the day after consent: still 65
    [InlineData(1959, 6, 1, CriterionStatus.Fail)] // 66th birthday on the consent date
    [InlineData(2010, 1, 1, CriterionStatus.Fail)] // 15 years old
    public void INC02_age_in_completed_years_at_consent(int year, int month, int day, CriterionStatus expected)
    {
        var patient = new PatientBuilder().Demographics(Sex.Female, new DateOnly(year, month, day), consent: Screening);

        Assert.Equal(expected, patient.Status("INC02"));
    }

    [Fact]
    public void INC02_uses_the_consent_date_not_the_screening_date()
    {
        // 19 at consent (two months before screening) is not enough if the birthday falls between consent and screening.
        var birth = Screening.AddYears(-19).AddDays(-10);
        var consentBeforeBirthday = birth.AddYears(19).AddDays(-1);
        var patient = new PatientBuilder().Demographics(Sex.Male, birth, consent: consentBeforeBirthday);

        Assert.Equal(CriterionStatus.Fail, patient.Status("INC02"));
    }

    [Fact]
    public void INC02_without_birth_date_is_unknown_and_says_what_would_decide()
    {
        var criterion = new PatientBuilder().Demographics(Sex.Female).Criterion("INC02");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("birth", criterion.Needs, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void INC02_contradictory_birth_dates_are_unknown()
    {
        var patient = new PatientBuilder()
            .Demographics(Sex.Female, new DateOnly(1990, 1, 1))
            .Demographics(Sex.Female, new DateOnly(1991, 1, 1));

        Assert.Equal(CriterionStatus.Unknown, patient.Status("INC02"));
    }

    [Fact]
    public void INC02_a_29_february_birthday_completes_the_year_on_28_february()
    {
        var patient = new PatientBuilder().Demographics(Sex.Female, new DateOnly(2004, 2, 29), consent: new DateOnly(2023, 2, 28));

        Assert.Equal(CriterionStatus.Pass, patient.Status("INC02"));
    }

    // INC04: most recent UPCR or 24-h protein in the 12-week look-back > 1.0 after unit normalisation.
    [Theory]
    [InlineData(1.0, "g/g", CriterionStatus.Fail)] // exactly 1.0 is not > 1.0
    [InlineData(1.01, "g/g", CriterionStatus.Pass)]
    [InlineData(1.0, "mg/mg", CriterionStatus.Fail)]
    [InlineData(1000, "mg/g", CriterionStatus.Fail)]
    [InlineData(1001, "mg/g", CriterionStatus.Pass)]
    [InlineData(113.12, "mg/mmol", CriterionStatus.Fail)] // 113.12 mg/mmol = 1.0 g/g (creatinine 113.12 g/mol)
    [InlineData(113, "mg/mmol", CriterionStatus.Fail)] // 0.9989 g/g
    [InlineData(114, "mg/mmol", CriterionStatus.Pass)] // 1.0078 g/g
    [InlineData(0.4, "g/g", CriterionStatus.Fail)]
    public void INC04_upcr_threshold_after_unit_normalisation(double value, string unit, CriterionStatus expected)
    {
        var lab = Normalize("upcr", (decimal)value, unit);
        var patient = new PatientBuilder().Woman().Lab("upcr", DaysBefore(10), lab.Number, lab.Unit);

        Assert.Equal(expected, patient.Status("INC04"));
    }

    [Theory]
    [InlineData(1.0, "g/24h", CriterionStatus.Fail)]
    [InlineData(1010, "mg/24h", CriterionStatus.Pass)]
    [InlineData(1000, "mg/24h", CriterionStatus.Fail)]
    public void INC04_24_hour_protein_threshold(double value, string unit, CriterionStatus expected)
    {
        var lab = Normalize("urine-protein-24h", (decimal)value, unit);
        var patient = new PatientBuilder().Woman().Lab("urine-protein-24h", DaysBefore(10), lab.Number, lab.Unit);

        Assert.Equal(expected, patient.Status("INC04"));
    }

    [Theory]
    [InlineData(84, CriterionStatus.Pass)] // first day of the 12-week window
    [InlineData(0, CriterionStatus.Pass)] // the screening day itself
    [InlineData(85, CriterionStatus.Unknown)] // one day outside: no result in the look-back
    public void INC04_look_back_window_is_84_days_inclusive(int daysBefore, CriterionStatus expected)
    {
        var patient = new PatientBuilder().Woman().Lab("upcr", DaysBefore(daysBefore), 1.5m, "g/g");

        Assert.Equal(expected, patient.Status("INC04"));
    }

    [Fact]
    public void INC04_the_most_recent_result_decides()
    {
        var patient = new PatientBuilder().Woman()
            .Lab("upcr", DaysBefore(40), 2.5m, "g/g")
            .Lab("urine-protein-24h", DaysBefore(5), 0.8m, "g/24h");

        var criterion = patient.Criterion("INC04");

        Assert.Equal(CriterionStatus.Fail, criterion.Status);
        Assert.Equal(DaysBefore(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Assert.Single(criterion.Evidence).Date);
    }

    [Fact]
    public void INC04_albumin_creatinine_is_never_taken_for_protein_creatinine()
    {
        var criterion = new PatientBuilder().Woman().Lab("uacr", DaysBefore(10), 2500m, "mg/g").Criterion("INC04");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Empty(criterion.Evidence);
    }

    [Fact]
    public void INC04_evidence_points_to_upload_line_value_and_unit()
    {
        var criterion = new PatientBuilder().Woman().Lab("upcr", DaysBefore(12), 1.42m, "g/g").Criterion("INC04");

        var evidence = Assert.Single(criterion.Evidence);
        Assert.Equal("uploads/site-t/test.csv", evidence.Source);
        Assert.Equal(3, evidence.Line);
        Assert.Equal(1.42m, evidence.Value);
        Assert.Equal("g/g", evidence.Unit);
        Assert.Equal("UPCR 1.42 g/g on 2025-05-20 > 1.0", criterion.Reason);
    }

    [Fact]
    public void INC04_a_result_in_an_unrecognised_unit_is_not_compared()
    {
        var record = new PatientBuilder().Woman().Record() with
        {
            Labs = [new LabResult { TestId = "upcr", CollectedAt = Timestamp.OfDate(DaysBefore(3)), Value = LabValue.Of(150m), Unit = "mg/dL", RawUnit = "mg/dL", UnitRecognized = false, Source = new SourceRef("uploads/site-t/x.csv", 2) }],
        };

        var criterion = Engine().Evaluate(record, new ScreeningDefaults(Screening)).Criteria.Single(c => c.Id == "INC04");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("not recognised", criterion.Reason, StringComparison.Ordinal);
    }

    // INC06: women of childbearing age need negative urine and serum hCG in the window.
    [Fact]
    public void INC06_does_not_apply_to_men() => Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Man().Status("INC06"));

    [Fact]
    public void INC06_does_not_apply_to_women_not_of_childbearing_potential() =>
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman(childbearing: false).Status("INC06"));

    [Fact]
    public void INC06_does_not_apply_to_women_outside_the_configured_childbearing_age() =>
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman(age: 56, childbearing: null).Status("INC06"));

    [Fact]
    public void INC06_both_tests_negative_pass()
    {
        var patient = new PatientBuilder().Woman()
            .Lab("urine-hcg", DaysBefore(3), Qualitative.Negative)
            .Lab("serum-hcg", DaysBefore(3), 1.2m, "mIU/mL");

        Assert.Equal(CriterionStatus.Pass, patient.Status("INC06"));
    }

    [Fact]
    public void INC06_either_test_missing_is_unknown()
    {
        var criterion = new PatientBuilder().Woman().Lab("urine-hcg", DaysBefore(3), Qualitative.Negative).Criterion("INC06");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("serum hCG", criterion.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void INC06_any_positive_fails()
    {
        var patient = new PatientBuilder().Woman()
            .Lab("urine-hcg", DaysBefore(3), Qualitative.Positive)
            .Lab("serum-hcg", DaysBefore(2), 1.0m, "mIU/mL");

        Assert.Equal(CriterionStatus.Fail, patient.Status("INC06"));
    }

    [Fact]
    public void INC06_results_outside_the_14_day_window_do_not_count()
    {
        var patient = new PatientBuilder().Woman()
            .Lab("urine-hcg", DaysBefore(15), Qualitative.Negative)
            .Lab("serum-hcg", DaysBefore(14), 1.0m, "mIU/mL");

        Assert.Equal(CriterionStatus.Unknown, patient.Status("INC06"));
    }

    [Fact]
    public void INC06_sex_unknown_is_unknown() =>
        Assert.Equal(CriterionStatus.Unknown, new PatientBuilder().Demographics(birth: new DateOnly(1990, 1, 1)).Status("INC06"));

    // INC01 and INC03: an uploaded assessment decides; otherwise lab-derived items decide only when conclusive.
    [Theory]
    [InlineData("4", CriterionStatus.Pass)]
    [InlineData("3", CriterionStatus.Fail)]
    public void INC01_uploaded_ACR_count_decides(string count, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Assessment("ACR1997-COUNT", count, DaysBefore(100)).Status("INC01"));

    [Fact]
    public void INC01_all_four_lab_derived_items_pass()
    {
        var patient = new PatientBuilder().Woman()
            .Lab("upcr", DaysBefore(200), 0.8m, "g/g").Lab("upcr", DaysBefore(100), 0.9m, "g/g") // persistent proteinuria
            .Lab("platelets", DaysBefore(50), 80m, "10*9/L")
            .Lab("anti-dsdna", DaysBefore(50), Qualitative.Positive)
            .Lab("ana", DaysBefore(50), Qualitative.Positive);

        var criterion = patient.Criterion("INC01");

        Assert.Equal(CriterionStatus.Pass, criterion.Status);
        Assert.Contains("lab-derived", criterion.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void INC01_fewer_lab_derived_items_are_unknown_not_fail()
    {
        var patient = new PatientBuilder().Woman().Lab("ana", DaysBefore(50), Qualitative.Positive).Lab("anti-dsdna", DaysBefore(50), Qualitative.Positive);

        Assert.Equal(CriterionStatus.Unknown, patient.Status("INC01"));
    }

    [Theory]
    [InlineData("6", 10, CriterionStatus.Pass)]
    [InlineData("5", 10, CriterionStatus.Fail)]
    [InlineData("12", 11, CriterionStatus.Unknown)] // outside the 10 days: no assessment and no lab items
    public void INC03_uploaded_SLEDAI_total_within_10_days_decides(string total, int daysBefore, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Assessment("SLEDAI-2K", total, DaysBefore(daysBefore)).Status("INC03"));

    [Fact]
    public void INC03_lab_derived_lower_bound_of_6_passes()
    {
        // proteinuria 4 + low complement 2 = 6
        var patient = new PatientBuilder().Woman()
            .Lab("upcr", DaysBefore(3), 1.8m, "g/g")
            .Lab("c3", DaysBefore(3), 0.5m, "g/L", referenceLow: 0.9m, referenceHigh: 1.8m);

        Assert.Equal(CriterionStatus.Pass, patient.Status("INC03"));
    }

    [Fact]
    public void INC03_lab_derived_lower_bound_below_6_is_unknown()
    {
        var patient = new PatientBuilder().Woman().Lab("upcr", DaysBefore(3), 1.8m, "g/g");

        var criterion = patient.Criterion("INC03");
        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("SLEDAI-2K", criterion.Needs, StringComparison.Ordinal);
    }

    // INC05 and INC07: confirm unless attested.
    [Theory]
    [InlineData("INC05", "CONTRACEPTION")]
    [InlineData("INC07", "CONSENT")]
    public void Attested_inclusions(string criterion, string code)
    {
        Assert.Equal(CriterionStatus.Confirm, new PatientBuilder().Woman().Status(criterion));
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman().Attest(code, "yes").Status(criterion));
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest(code, "no").Status(criterion));
    }

    private static ScreeningEngine Engine() => new(Protocol, LabCatalog.Default, DrugCatalog.Default, TimeProvider.System);

    private static (decimal Number, string Unit) Normalize(string testId, decimal value, string unit)
    {
        var catalog = LabCatalog.Default;
        var test = catalog.FindById(testId)!;
        var normalizer = new ServerlessScreening.Ingestion.LabNormalizer(catalog, new ServerlessScreening.Ingestion.ValueReader());
        var lab = normalizer.Normalize(test, LabValue.Of(value), value.ToString(System.Globalization.CultureInfo.InvariantCulture), unit, null, new LabIdentity(Timestamp.OfDate(Screening), null, null, null, new SourceRef("uploads/x.csv", 2)), out var problem);
        Assert.Null(problem);
        return (lab.Value.Number!.Value, lab.Unit!);
    }
}
