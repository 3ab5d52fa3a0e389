using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;
using static ServerlessScreening.Tests.Protocols.PatientBuilder;

namespace ServerlessScreening.Tests.Protocols;

/// <summary>The exclusion criteria of CRITERIA.md, at their boundaries. Expectations come from the criteria text, not from the engine.</summary>
public sealed class ExclusionCriteriaTests
{
    // EXC01: B-cell depletion within 24 weeks (168 days) before screening.
    [Theory]
    [InlineData(168, CriterionStatus.Fail)] // first day of the window
    [InlineData(169, CriterionStatus.Pass)] // the day before the window, with coverage
    [InlineData(0, CriterionStatus.Fail)]
    public void EXC01_window_is_168_days_inclusive(int daysBefore, CriterionStatus expected)
    {
        var patient = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("rituximab", DaysBefore(daysBefore), DaysBefore(daysBefore), dose: 1000m, route: "intravenous");

        Assert.Equal(expected, patient.Status("EXC01"));
    }

    [Fact]
    public void EXC01_an_exposure_ongoing_into_the_window_counts()
    {
        var criterion = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("ocrelizumab", DaysBefore(400), end: null)
            .Criterion("EXC01");

        Assert.Equal(CriterionStatus.Fail, criterion.Status);
        Assert.Contains("ongoing", Assert.Single(criterion.Evidence).Note, StringComparison.Ordinal);
    }

    [Fact]
    public void EXC01_an_exposure_that_ended_before_the_window_does_not_count()
    {
        var patient = new PatientBuilder().Woman().MedicationsCovered().Medication("rituximab", DaysBefore(300), DaysBefore(169));

        Assert.Equal(CriterionStatus.Pass, patient.Status("EXC01"));
    }

    [Theory]
    [InlineData("美罗华")] // MabThera in Chinese
    [InlineData("利妥昔单抗注射液")] // rituximab injection, Chinese generic name inside a product name
    [InlineData("Rituxan")]
    [InlineData("Truxima 500 MG Injection")]
    public void EXC01_brand_and_Chinese_names_are_recognised(string name)
    {
        var patient = new PatientBuilder().Woman().MedicationsCovered().Medication(name, DaysBefore(30), DaysBefore(30));

        Assert.Equal(CriterionStatus.Fail, patient.Status("EXC01"));
    }

    [Fact]
    public void EXC01_no_exposure_without_declared_coverage_is_unknown_and_names_the_missing_coverage()
    {
        var criterion = new PatientBuilder().Woman().Criterion("EXC01");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("coverage", criterion.Reason, StringComparison.Ordinal);
        Assert.Contains("coverage", criterion.Needs, StringComparison.Ordinal);
    }

    [Fact]
    public void EXC01_coverage_that_stops_short_of_the_window_is_not_enough()
    {
        var patient = new PatientBuilder().Woman().Covered(RecordCategories.Medications, DaysBefore(167), Screening);

        Assert.Equal(CriterionStatus.Unknown, patient.Status("EXC01"));
    }

    [Fact]
    public void EXC01_adjacent_coverage_periods_join()
    {
        var patient = new PatientBuilder().Woman()
            .Covered(RecordCategories.Medications, DaysBefore(400), DaysBefore(100))
            .Covered(RecordCategories.Medications, DaysBefore(99), Screening);

        Assert.Equal(CriterionStatus.Pass, patient.Status("EXC01"));
    }

    [Fact]
    public void EXC01_absence_under_coverage_cites_the_upload_that_vouches_for_it()
    {
        var criterion = new PatientBuilder().Woman().Covered(RecordCategories.Medications, DaysBefore(400), Screening).Criterion("EXC01");

        Assert.Equal(CriterionStatus.Pass, criterion.Status);
        var evidence = Assert.Single(criterion.Evidence);
        Assert.Equal(("uploads/site-t/medications.csv", 1, $"{DaysBefore(400):yyyy-MM-dd}/{Screening:yyyy-MM-dd}", "medications coverage"), (evidence.Source, evidence.Line, evidence.Date, evidence.Name));
        Assert.Contains("test manifest", evidence.Note, StringComparison.Ordinal);
    }

    // EXC02: unstable immunosuppressant dosing within 12 weeks (84 days).
    [Fact]
    public void EXC02_constant_dose_through_the_window_passes() =>
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman().MedicationsCovered().Medication("mycophenolate mofetil", DaysBefore(200), dose: 1000m).Status("EXC02"));

    [Fact]
    public void EXC02_a_refill_at_the_same_dose_is_not_a_start()
    {
        var patient = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("tacrolimus", DaysBefore(200), DaysBefore(60), dose: 2m)
            .Medication("tacrolimus", DaysBefore(59), end: null, dose: 2m);

        Assert.Equal(CriterionStatus.Pass, patient.Status("EXC02"));
    }

    [Theory]
    [InlineData(84, CriterionStatus.Fail)] // a start on the first day of the window is inside it
    [InlineData(85, CriterionStatus.Pass)]
    public void EXC02_a_start_inside_the_window_fails(int daysBefore, CriterionStatus expected)
    {
        var patient = new PatientBuilder().Woman().MedicationsCovered().Medication("azathioprine", DaysBefore(daysBefore), dose: 50m);

        Assert.Equal(expected, patient.Status("EXC02"));
    }

    [Fact]
    public void EXC02_a_stop_inside_the_window_fails() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().MedicationsCovered().Medication("leflunomide", DaysBefore(300), DaysBefore(20), dose: 20m).Status("EXC02"));

    [Fact]
    public void EXC02_a_dose_change_inside_the_window_fails()
    {
        var criterion = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("mycophenolate mofetil", DaysBefore(300), DaysBefore(41), dose: 1000m)
            .Medication("mycophenolate mofetil", DaysBefore(40), end: null, dose: 1500m)
            .Criterion("EXC02");

        Assert.Equal(CriterionStatus.Fail, criterion.Status);
        Assert.Contains("dose changed", criterion.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EXC02_cyclophosphamide_pulses_inside_the_window_fail() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().MedicationsCovered().Medication("cyclophosphamide", DaysBefore(30), DaysBefore(30), dose: 500m, route: "intravenous").Status("EXC02"));

    [Theory]
    [InlineData(1, "g", "bid", 1000, "mg", "bid", CriterionStatus.Pass)]
    [InlineData(500, "mg", "bid", 500, "mg", "twice daily", CriterionStatus.Pass)]
    [InlineData(500, "mg", "BID", 500, "mg", "2/1d", CriterionStatus.Pass)]
    [InlineData(2, "mg", "q12h", 2000, "mcg", "每日两次", CriterionStatus.Pass)]
    [InlineData(1, "tablet", "qd", 1, "Tablet", "QD", CriterionStatus.Pass)]
    [InlineData(1, "g", "bid", 1500, "mg", "bid", CriterionStatus.Fail)]
    [InlineData(500, "mg", "bid", 500, "mg", "tid", CriterionStatus.Fail)]
    [InlineData(1, "tablet", "qd", 2, "tablet", "qd", CriterionStatus.Fail)]
    public void EXC02_a_refill_that_restates_the_same_dose_differently_is_not_a_dose_change(
        decimal firstDose, string firstUnit, string firstFrequency, decimal secondDose, string secondUnit, string secondFrequency, CriterionStatus expected)
    {
        var criterion = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("mycophenolate mofetil", DaysBefore(300), DaysBefore(41), dose: firstDose, unit: firstUnit, frequency: firstFrequency)
            .Medication("mycophenolate mofetil", DaysBefore(40), end: null, dose: secondDose, unit: secondUnit, frequency: secondFrequency)
            .Criterion("EXC02");

        Assert.Equal(expected, criterion.Status);
        if (expected == CriterionStatus.Fail)
        {
            Assert.Contains("dose changed", criterion.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("intravenous", 150, null, CriterionStatus.Fail)] // one order for a regimen of pulses every 2 weeks, still going on
    [InlineData("静滴", 150, 84, CriterionStatus.Fail)] // ended on the first day of the window: its last pulses fall inside it
    [InlineData("intravenous", 150, 85, CriterionStatus.Pass)] // ended the day before the window
    [InlineData("oral", 150, null, CriterionStatus.Pass)] // a daily oral course is not pulse therapy: constant dose through the window
    public void EXC02_a_course_of_cyclophosphamide_pulses_overlapping_the_window_fails_at_a_constant_dose(string route, int began, int? ended, CriterionStatus expected)
    {
        var criterion = new PatientBuilder().Woman().MedicationsCovered()
            .Medication("cyclophosphamide", DaysBefore(began), ended is { } days ? DaysBefore(days) : null, dose: 500m, route: route, frequency: "every 2 weeks")
            .Criterion("EXC02");

        Assert.Equal(expected, criterion.Status);
        if (expected == CriterionStatus.Fail)
        {
            Assert.Contains("pulse therapy", criterion.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EXC02_a_missing_dose_is_unknown() =>
        Assert.Equal(CriterionStatus.Unknown, new PatientBuilder().Woman().MedicationsCovered().Medication("cyclosporine", DaysBefore(200), dose: null, unit: null).Status("EXC02"));

    [Theory]
    [InlineData("雷公藤多苷片")] // Tripterygium wilfordii glycosides
    [InlineData("艾拉莫德")] // iguratimod
    [InlineData("骁悉")] // CellCept
    public void EXC02_Chinese_names_of_the_listed_immunosuppressants(string name) =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().MedicationsCovered().Medication(name, DaysBefore(10), dose: 10m).Status("EXC02"));

    [Fact]
    public void EXC02_stable_dosing_without_coverage_is_unknown() =>
        Assert.Equal(CriterionStatus.Unknown, new PatientBuilder().Woman().Medication("tacrolimus", DaysBefore(200), dose: 2m).Status("EXC02"));

    // EXC03: biologics and targeted small molecules within 4 weeks (28 days).
    [Theory]
    [InlineData("belimumab", 28, CriterionStatus.Fail)]
    [InlineData("Benlysta", 10, CriterionStatus.Fail)]
    [InlineData("tofacitinib", 0, CriterionStatus.Fail)]
    [InlineData("托珠单抗", 5, CriterionStatus.Fail)] // tocilizumab
    [InlineData("adalimumab", 29, CriterionStatus.Pass)]
    public void EXC03_exposure_in_the_28_day_window(string name, int daysBefore, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().MedicationsCovered().Medication(name, DaysBefore(daysBefore), DaysBefore(daysBefore)).Status("EXC03"));

    [Fact]
    public void EXC03_an_ATC_code_of_the_pre_2024_classification_is_recognised() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().MedicationsCovered().Medication("JAK inhibitor tablet", DaysBefore(3), code: "L04AA29", system: "ATC").Status("EXC03"));

    // EXC04: from procedure data when uploaded; otherwise confirm.
    [Fact]
    public void EXC04_plasmapheresis_in_the_window_fails() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Clinical(ClinicalFactTypes.Procedure, DaysBefore(84), null, null, "Therapeutic plasma exchange").Status("EXC04"));

    [Fact]
    public void EXC04_covered_procedures_without_it_pass_and_uncovered_confirm()
    {
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman().Covered(RecordCategories.Procedures, DaysBefore(365), Screening).Status("EXC04"));
        Assert.Equal(CriterionStatus.Confirm, new PatientBuilder().Woman().Status("EXC04"));
    }

    // EXC06: fail on evidence, otherwise confirm.
    [Fact]
    public void EXC06_positive_IGRA_within_4_weeks_of_randomization_fails()
    {
        var randomization = Screening.AddDays(10);
        var patient = new PatientBuilder().Demographics(Sex.Female, new DateOnly(1990, 1, 1), randomization: randomization)
            .Lab("tb-igra", randomization.AddDays(-28), Qualitative.Positive);

        Assert.Equal(CriterionStatus.Fail, patient.Status("EXC06"));
    }

    [Fact]
    public void EXC06_positive_chronic_marker_fails_whatever_its_date() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Lab("hbsag", DaysBefore(3000), Qualitative.Positive).Status("EXC06"));

    [Fact]
    public void EXC06_negative_markers_confirm_and_are_listed_as_supporting_evidence()
    {
        var criterion = new PatientBuilder().Woman().Lab("hcv-ab", DaysBefore(100), Qualitative.Negative).Lab("hbsag", DaysBefore(100), Qualitative.Negative).Criterion("EXC06");

        Assert.Equal(CriterionStatus.Confirm, criterion.Status);
        Assert.Equal(2, criterion.Evidence.Count);
    }

    [Fact]
    public void EXC06_the_most_recent_marker_result_decides() =>
        Assert.Equal(CriterionStatus.Confirm, new PatientBuilder().Woman().Lab("hcv-rna", DaysBefore(900), Qualitative.Positive).Lab("hcv-rna", DaysBefore(100), Qualitative.Negative).Status("EXC06"));

    [Fact]
    public void EXC06_intravenous_antibiotic_within_4_weeks_fails() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Medication("ceftriaxone", DaysBefore(25), DaysBefore(20), dose: 2m, unit: "g", route: "intravenous").Status("EXC06"));

    [Theory]
    [InlineData("头孢唑林钠", "J01DB04", "静滴", 20, CriterionStatus.Fail)] // cefazolin: not in the catalogue, its ATC code proves the class
    [InlineData("", "J01CA04", "oral", 10, CriterionStatus.Fail)]
    [InlineData("", "J02AC02", "oral", 10, CriterionStatus.Confirm)] // itraconazole: onychomycosis antifungal excepted
    public void EXC06_anti_infectives_given_by_atc_code(string name, string atc, string route, int daysBefore, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Medication(name, DaysBefore(daysBefore), DaysBefore(daysBefore), route: route, code: atc, system: "ATC").Status("EXC06"));

    [Theory]
    [InlineData("amoxicillin", "oral", 14, CriterionStatus.Fail)]
    [InlineData("amoxicillin", "oral", 15, CriterionStatus.Confirm)] // outside 2 weeks, and not intravenous
    [InlineData("terbinafine", "oral", 5, CriterionStatus.Confirm)] // onychomycosis antifungal excepted
    [InlineData("acyclovir", "topical", 5, CriterionStatus.Confirm)] // not systemic
    [InlineData("阿莫西林胶囊", "口服", 3, CriterionStatus.Fail)]
    public void EXC06_systemic_anti_infective_within_2_weeks(string name, string route, int daysBefore, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Medication(name, DaysBefore(daysBefore), DaysBefore(daysBefore), route: route).Status("EXC06"));

    [Theory]
    [InlineData(40, null, true, CriterionStatus.Fail)]
    [InlineData(42, 17, false, CriterionStatus.Fail)]
    [InlineData(42, 28, false, CriterionStatus.Fail)]
    [InlineData(42, 29, false, CriterionStatus.Confirm)]
    [InlineData(40, null, false, CriterionStatus.Confirm)]
    public void EXC06_an_infection_that_began_before_the_4_weeks_and_went_on_into_them_fails(int began, int? ended, bool ongoing, CriterionStatus expected)
    {
        var criterion = new PatientBuilder().Woman()
            .Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(began), "ICD-10", "B02.9", "Herpes zoster", end: ended is { } days ? DaysBefore(days) : null, ongoing: ongoing)
            .Criterion("EXC06");

        Assert.Equal(expected, criterion.Status);
        if (expected == CriterionStatus.Fail)
        {
            Assert.Contains(criterion.Evidence, e => e.Code == "ICD-10 B02.9" && e.Note == "began before the window, still active in it");
        }
    }

    // EXC08: live vaccine within 12 weeks of randomization, herpes zoster excepted; otherwise confirm.
    [Theory]
    [InlineData("03", "MMR", 84, CriterionStatus.Fail)]
    [InlineData("21", "varicella", 30, CriterionStatus.Fail)]
    [InlineData("21", "varicella", 85, CriterionStatus.Confirm)]
    [InlineData("121", "zoster live", 10, CriterionStatus.Confirm)] // herpes zoster vaccination excepted
    [InlineData("140", "Influenza, seasonal, injectable", 10, CriterionStatus.Confirm)] // not live
    public void EXC08_live_vaccine_immunizations(string cvx, string name, int daysBefore, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Clinical(ClinicalFactTypes.Immunization, DaysBefore(daysBefore), "CVX", cvx, name).Status("EXC08"));

    // EXC09: history of malignancy except basal cell carcinoma; otherwise confirm.
    [Theory]
    [InlineData("ICD-10", "C50.9", "Malignant neoplasm of breast", CriterionStatus.Fail)]
    [InlineData("ICD-10", "C44.91", "Basal cell carcinoma of skin", CriterionStatus.Confirm)]
    [InlineData("SNOMED-CT", "254637007", "Non-small cell lung cancer (disorder)", CriterionStatus.Fail)]
    [InlineData("SNOMED-CT", "162573006", "Suspected lung cancer (situation)", CriterionStatus.Confirm)]
    [InlineData("ICD-10", "J45.909", "Asthma", CriterionStatus.Confirm)]
    public void EXC09_malignancy_history(string system, string code, string name, CriterionStatus expected) =>
        Assert.Equal(expected, new PatientBuilder().Woman().Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(4000), system, code, name).Status("EXC09"));

    // EXC10: pregnant (a positive hCG in 14 days, or an active pregnancy diagnosis) or lactating (site attestation).
    [Fact]
    public void EXC10_positive_pregnancy_test_fails() =>
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Lab("serum-hcg", DaysBefore(2), 850m, "mIU/mL").Status("EXC10"));

    [Theory]
    [InlineData(null, CriterionStatus.Confirm)]
    [InlineData("yes", CriterionStatus.Fail)]
    [InlineData("no", CriterionStatus.Pass)]
    public void EXC10_lactation_attestation(string? lactating, CriterionStatus expected)
    {
        var patient = new PatientBuilder().Woman().Lab("urine-hcg", DaysBefore(3), Qualitative.Negative);
        if (lactating is not null)
        {
            patient.Attest("LACTATING", lactating);
        }

        Assert.Equal(expected, patient.Status("EXC10"));
    }

    [Theory]
    [InlineData(14, CriterionStatus.Pass)]
    [InlineData(15, CriterionStatus.Unknown)]
    public void EXC10_a_woman_who_may_be_pregnant_needs_a_negative_test_in_the_14_days_before_screening(int daysBefore, CriterionStatus expected)
    {
        var criterion = new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(daysBefore), Qualitative.Negative).Criterion("EXC10");

        Assert.Equal(expected, criterion.Status);
        if (expected == CriterionStatus.Unknown)
        {
            Assert.Contains("pregnancy test", criterion.Needs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EXC10_no_pregnancy_test_is_no_evidence_of_no_pregnancy() =>
        Assert.Equal(CriterionStatus.Unknown, new PatientBuilder().Woman().Attest("LACTATING", "no").Status("EXC10"));

    [Fact]
    public void EXC10_men_and_women_who_cannot_be_pregnant_need_no_test()
    {
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Man().Attest("LACTATING", "no").Status("EXC10"));
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman(childbearing: false).Attest("LACTATING", "no").Status("EXC10"));
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman(age: 60, childbearing: null).Attest("LACTATING", "no").Status("EXC10"));
        Assert.Equal(CriterionStatus.Unknown, new PatientBuilder().Woman(age: 40, childbearing: null).Attest("LACTATING", "no").Status("EXC10"));
    }

    [Fact]
    public void EXC10_an_active_pregnancy_diagnosis_fails_and_a_past_one_does_not()
    {
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(3), Qualitative.Negative).Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(60), "SNOMED-CT", "72892002", "Normal pregnancy", ongoing: true).Status("EXC10"));
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(3), Qualitative.Negative).Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(290), "SNOMED-CT", "72892002", "Normal pregnancy", ongoing: true).Status("EXC10"));
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(3), Qualitative.Negative).Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(250), "SNOMED-CT", "72892002", "Normal pregnancy", end: Screening).Status("EXC10"));
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(3), Qualitative.Negative).Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(250), "SNOMED-CT", "72892002", "Normal pregnancy", end: DaysBefore(1)).Status("EXC10"));
    }

    [Fact]
    public void EXC10_a_pregnancy_diagnosis_whose_upload_does_not_say_whether_it_ended_is_unknown()
    {
        // The canonical clinical kind has no end or status column, so a pregnancy recorded 20 days ago may be going on.
        var criterion = new PatientBuilder().Woman().Attest("LACTATING", "no").Lab("urine-hcg", DaysBefore(3), Qualitative.Negative)
            .Clinical(ClinicalFactTypes.Diagnosis, DaysBefore(20), "ICD-10", "Z33.1", "Pregnant state, incidental").Criterion("EXC10");

        Assert.Equal(CriterionStatus.Unknown, criterion.Status);
        Assert.Contains("still active", criterion.Needs, StringComparison.Ordinal);
        Assert.Contains(criterion.Evidence, e => e.Code == "ICD-10 Z33.1");
    }

    // Site confirmation settles what exports cannot decide, and only that.
    [Fact]
    public void A_site_confirmation_settles_a_confirm_criterion_but_never_overrides_data()
    {
        Assert.Equal(CriterionStatus.Pass, new PatientBuilder().Woman().Attest("EXC05", "pass").Status("EXC05"));
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest("EXC05", "fail").Status("EXC05"));
        Assert.Equal(CriterionStatus.Fail, new PatientBuilder().Woman().Attest("EXC06", "pass").Lab("hbsag", DaysBefore(10), Qualitative.Positive).Status("EXC06"));
    }
}
