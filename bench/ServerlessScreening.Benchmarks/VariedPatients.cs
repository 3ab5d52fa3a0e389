using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// Random patients for <see cref="VerdictDigest"/>: demographics that agree or contradict, lab results of every value
/// kind (censored, qualitative, unrecognised units) in any order and at any time of day, medications by brand, Chinese
/// and generic name with and without doses and routes, clinical facts and coverage of every kind. Seeded by the caller.
/// </summary>
internal static class VariedPatients
{
    private static readonly string[] Tests =
    [
        "upcr", "urine-protein-24h", "uacr", "urine-protein-dipstick", "urine-protein-concentration", "urine-hcg", "serum-hcg", "wbc", "lymphocytes",
        "platelets", "hemoglobin", "c3", "c4", "anti-dsdna", "ana", "anti-sm", "anticardiolipin-igg", "anticardiolipin-igm", "lupus-anticoagulant",
        "anti-b2gp1-igg", "anti-b2gp1-igm", "urine-rbc", "urine-wbc", "urine-casts", "urine-casts-any", "tb-igra", "hbsag", "hcv-ab", "hcv-rna", "hiv",
        "hiv-rna", "serum-creatinine", "unknown-test", "ZZ",
    ];

    private static readonly string[] Blobs = ["uploads/s/labs.csv", "uploads/s/labs-2.csv", "uploads/s/a.ndjson"];

    private static readonly string?[] Drugs =
    [
        "rituximab", "mycophenolate mofetil", "cyclophosphamide", "tacrolimus", "azathioprine", "hydroxychloroquine", "prednisone", "belimumab",
        "ceftriaxone", "amoxicillin", "itraconazole", "terbinafine", "fluconazole", "acyclovir", "measles, mumps and rubella vaccine", "zoster vaccine live",
        "利妥昔单抗", "他克莫司", "unknown drug", "tofacitinib", "MabThera", "losartan",
    ];

    private static readonly string?[] Routes = [null, "oral", "IV", "intravenous", "静滴", "topical", "Topical cream", "ivgtt", "subcutaneous", "外用", ""];
    private static readonly string?[] Units = ["mg", "MG", null, "g", " mg "];
    private static readonly string?[] Freqs = ["BID", "bid", "QD", null, "once"];

    // Choices a fact's field is picked from, declared once.
    private static readonly string[] Comparators = ["<", "<=", ">", ">="];
    private static readonly decimal[] Doses = [500m, 250m, 1000m, 1.5m, 2.50m];
    private static readonly string[] AttestationCodes = ["CONTRACEPTION", "CONSENT", "LACTATING", "INC05", "EXC05", "EXC07", "INC01"];
    private static readonly string[] AttestationValues = ["yes", "no", "pass", "fail", "maybe", "Y"];
    private static readonly string[] AssessmentCodes = ["ACR1997-COUNT", "SLEDAI-2K"];
    private static readonly string[] AssessmentValues = ["3", "4", "6", "8", "x", "5.5"];
    private static readonly string?[] DiagnosisSystems = ["ICD-10", "SNOMED CT", null];
    private static readonly string?[] DiagnosisCodes = ["C50.9", "B18.1", "A15", "C44.01", "72892002", "M32.14", null];
    private static readonly string?[] DiagnosisNames = ["Breast cancer", "Hepatitis B", "history of tuberculosis", "Pregnancy", "妊娠", "lupus nephritis", "basal cell carcinoma", null];
    private static readonly string?[] ProcedureCodes = ["80146002", "123", null];
    private static readonly string[] ProcedureNames = ["Plasmapheresis", "血浆置换", "appendectomy", "endoscopic resection", "renal biopsy"];
    private static readonly string?[] ImmunizationCodes = ["03", "121", "140", "21", null];
    private static readonly string?[] ImmunizationNames = ["MMR", "zoster vaccine live", "flu", null];

    private static T Pick<T>(Random r, T[] items) => items[r.Next(items.Length)];

    private static DateOnly Around(Random r, DateOnly d, int before, int after) => d.AddDays(r.Next(-before, after + 1));

    public static (PatientRecord, ScreeningDefaults) Create(Random r, int p)
    {
        var screening = new DateOnly(2025, 6, 1).AddDays(r.Next(-400, 400));
        var defaults = r.Next(4) == 0
            ? new ScreeningDefaults(screening.AddDays(5), new Dictionary<string, DateOnly> { ["site-r"] = screening.AddDays(-2) })
            : new ScreeningDefaults(screening);
        var line = 1;
        SourceRef Src(string blob) => new(blob, r.Next(10) == 0 ? r.Next(1, 20) : ++line + r.Next(0, 3));

        var demographics = new List<Demographics>();
        var rows = r.Next(4);
        for (var i = 0; i < rows; i++)
        {
            var age = r.Next(8, 75);
            demographics.Add(new Demographics
            {
                Sex = r.Next(5) switch { 0 => null, 1 or 2 => Sex.Female, _ => Sex.Male },
                BirthDate = r.Next(6) == 0 ? null : (r.Next(30) == 0 ? new DateOnly(1996, 2, 29) : screening.AddYears(-age).AddDays(r.Next(-200, 200))),
                ScreeningDate = r.Next(3) == 0 ? null : screening.AddDays(r.Next(-3, 1)),
                ConsentDate = r.Next(3) == 0 ? screening.AddDays(-r.Next(0, 20)) : null,
                RandomizationDate = r.Next(3) == 0 ? screening.AddDays(r.Next(0, 40)) : null,
                ChildbearingPotential = r.Next(3) switch { 0 => null, 1 => true, _ => false },
                Source = Src("uploads/s/patients.csv"),
            });
        }

        var labs = new List<LabResult>();
        var labCount = r.Next(8) == 0 ? 0 : r.Next(1, 420);
        var testsHere = Tests.OrderBy(_ => r.Next()).Take(r.Next(1, Tests.Length)).ToArray();
        for (var i = 0; i < labCount; i++)
        {
            var test = Pick(r, testsHere);
            var date = r.Next(6) == 0 ? Around(r, screening, 20, 20) : Around(r, screening, 800, 5);
            TimeOnly? time = r.Next(3) switch { 0 => null, 1 => new TimeOnly(r.Next(0, 3) * 8, 0), _ => new TimeOnly(r.Next(24), r.Next(60), r.Next(2) * 30) };
            TimeSpan? offset = time is not null && r.Next(4) == 0 ? TimeSpan.FromHours(r.Next(-8, 9)) : null;
            var kind = r.Next(10);
            var number = Math.Round((decimal)(r.NextDouble() * Math.Pow(10, r.Next(-1, 4))), r.Next(0, 4));
            LabValue value = kind switch
            {
                < 6 => LabValue.Of(number),
                6 => LabValue.Censor(Pick(r, Comparators), number),
                7 => LabValue.Of(Qualitative.Positive, r.Next(2) == 0 ? "+" : null),
                8 => LabValue.Of(Qualitative.Negative),
                _ => LabValue.Of(Qualitative.Equivocal, "±"),
            };
            var recognized = r.Next(15) != 0;
            labs.Add(new LabResult
            {
                TestId = test,
                CollectedAt = new Timestamp(date, time, offset),
                Code = r.Next(3) == 0 ? "1234-" + r.Next(10).ToString(CultureInfo.InvariantCulture) : null,
                CodeSystem = r.Next(3) == 0 ? "LOINC" : null,
                Name = r.Next(3) == 0 ? "Name of " + test : null,
                Value = value,
                Unit = r.Next(8) == 0 ? null : "u" + r.Next(3).ToString(CultureInfo.InvariantCulture),
                UnitRecognized = recognized,
                RawValue = recognized && r.Next(4) != 0 ? null : number.ToString(CultureInfo.InvariantCulture),
                RawUnit = recognized && r.Next(4) != 0 ? null : "raw/unit",
                Conversion = r.Next(5) == 0 ? "mg/mmol ÷ 113.12 → g/g" : null,
                ReferenceLow = r.Next(3) == 0 ? null : Math.Round((decimal)r.NextDouble() * 10, 2),
                ReferenceHigh = r.Next(3) == 0 ? null : Math.Round((decimal)r.NextDouble() * 100, 2),
                Flag = r.Next(5) == 0 ? "H" : null,
                Source = Src(Pick(r, Blobs)),
            });
        }

        switch (r.Next(3))
        {
            case 0:
                labs = labs.OrderBy(l => l.Source, SourceRef.Order).ToList();
                break;
            case 1:
                labs = labs.OrderBy(_ => r.Next()).ToList();
                break;
        }

        var medications = new List<MedicationRecord>();
        var medCount = r.Next(6) == 0 ? 0 : r.Next(1, 60);
        for (var i = 0; i < medCount; i++)
        {
            var name = Pick(r, Drugs)!;
            var match = DrugCatalog.Default.Resolve(null, null, name);
            var start = r.Next(4) == 0 && medications.Count > 0 ? (medications[^1].End ?? screening).AddDays(r.Next(0, 3)) : Around(r, screening, 600, 10);
            DateOnly? end = r.Next(4) switch { 0 => null, 1 => start, _ => start.AddDays(r.Next(1, 200)) };
            medications.Add(new MedicationRecord
            {
                DrugName = name,
                Ingredient = match?.Ingredient.Id,
                Classes = match?.Classes ?? [],
                Code = r.Next(5) == 0 ? "C" + r.Next(100).ToString(CultureInfo.InvariantCulture) : null,
                Dose = r.Next(7) == 0 ? null : Pick(r, Doses),
                DoseUnit = Pick(r, Units),
                Frequency = Pick(r, Freqs),
                Route = Pick(r, Routes),
                Start = start,
                End = end,
                Source = Src(r.Next(5) == 0 ? "uploads/s/meds-b.csv" : "uploads/s/meds.csv"),
            });
        }

        var clinical = new List<ClinicalFact>();
        var clinicalCount = r.Next(12);
        for (var i = 0; i < clinicalCount; i++)
        {
            var date = Around(r, screening, 400, 30);
            clinical.Add(r.Next(6) switch
            {
                0 => new ClinicalFact { Type = ClinicalFactTypes.Attestation, Date = date, CodeSystem = "screening", Code = Pick(r, AttestationCodes), Value = Pick(r, AttestationValues), Source = Src("uploads/s/clinical.csv") },
                1 => new ClinicalFact { Type = ClinicalFactTypes.Assessment, Date = date, CodeSystem = "screening", Code = Pick(r, AssessmentCodes), Value = Pick(r, AssessmentValues), Source = Src("uploads/s/clinical.csv") },
                2 => new ClinicalFact { Type = ClinicalFactTypes.Diagnosis, Date = date, CodeSystem = Pick(r, DiagnosisSystems), Code = Pick(r, DiagnosisCodes), Name = Pick(r, DiagnosisNames), End = r.Next(3) == 0 ? date.AddDays(r.Next(1, 400)) : null, Ongoing = r.Next(2) == 0, Source = Src("uploads/s/clinical.csv") },
                3 => new ClinicalFact { Type = ClinicalFactTypes.Procedure, Date = date, CodeSystem = "SNOMED CT", Code = Pick(r, ProcedureCodes), Name = Pick(r, ProcedureNames), Source = Src("uploads/s/clinical.csv") },
                4 => new ClinicalFact { Type = ClinicalFactTypes.Immunization, Date = date, CodeSystem = r.Next(2) == 0 ? "CVX" : null, Code = Pick(r, ImmunizationCodes), Name = Pick(r, ImmunizationNames), Source = Src("uploads/s/clinical.csv") },
                _ => new ClinicalFact { Type = ClinicalFactTypes.Diagnosis, Date = date, CodeSystem = "ICD-10", Code = "B02.9", Name = "Herpes zoster", Source = Src("uploads/s/clinical.csv") },
            });
        }

        var coverage = new List<CoverageDeclaration>();
        var declarations = r.Next(4);
        for (var i = 0; i < declarations; i++)
        {
            var from = Around(r, screening, 500, 0);
            var categories = RecordCategories.All.OrderBy(_ => r.Next()).Take(r.Next(1, 4)).ToList();
            if (r.Next(2) == 0)
            {
                categories.Add(RecordCategories.Medications);
            }

            coverage.Add(new CoverageDeclaration("uploads/s/c" + r.Next(3).ToString(CultureInfo.InvariantCulture) + ".csv", categories.Distinct().ToList(), new DateRange(from, from.AddDays(r.Next(0, 700))), "manifest"));
        }

        var patient = new PatientRecord
        {
            SiteId = "site-r",
            PatientId = "R" + p.ToString(CultureInfo.InvariantCulture),
            Demographics = demographics,
            Labs = labs,
            Medications = medications,
            Clinical = clinical,
            Coverage = coverage,
            Inputs = [new InputRef("uploads/s/labs.csv", new string('a', 64)), new InputRef("uploads/s/meds.csv", new string('b', 64))],
        };
        return (patient, defaults);
    }
}
