using ServerlessScreening.Facts;

namespace ServerlessScreening.Benchmarks;

/// <summary>
/// Patients with realistic fact volumes for a lupus nephritis clinic: about 300 lab results (urine, blood counts,
/// complement, serology, renal function over two years) and 40 medication rows each. Seeded, so every run measures
/// the same work.
/// </summary>
public static class SyntheticPatients
{
    private static readonly (string Test, string Unit, decimal Low, decimal High)[] Tests =
    [
        ("upcr", "g/g", 0.1m, 3.5m), ("urine-protein-24h", "g/24h", 0.1m, 4m), ("uacr", "mg/g", 10m, 2000m),
        ("wbc", "10*9/L", 2m, 11m), ("lymphocytes", "10*9/L", 0.5m, 3m), ("platelets", "10*9/L", 60m, 400m),
        ("hemoglobin", "g/L", 80m, 150m), ("c3", "g/L", 0.4m, 1.6m), ("c4", "g/L", 0.05m, 0.4m),
        ("anti-dsdna", "[IU]/mL", 5m, 400m), ("urine-rbc", "/[HPF]", 0m, 30m), ("urine-wbc", "/[HPF]", 0m, 30m),
        ("serum-creatinine", "mg/dL", 0.5m, 3m),
    ];

    private static readonly string[] Drugs =
    [
        "mycophenolate mofetil", "hydroxychloroquine", "prednisone", "tacrolimus", "amlodipine", "losartan",
        "calcium carbonate", "omeprazole", "amoxicillin", "belimumab",
    ];

    public static List<PatientRecord> Create(int count, DateOnly screening, int labsPerPatient = 300, int medicationsPerPatient = 40, int seed = 20251125)
    {
        var random = new Random(seed);
        var drugs = Vocabulary.DrugCatalog.Default;
        var patients = new List<PatientRecord>(count);
        for (var p = 0; p < count; p++)
        {
            var blob = "uploads/site-bench/labs.csv";
            var labs = new List<LabResult>(labsPerPatient);
            for (var i = 0; i < labsPerPatient; i++)
            {
                var (test, unit, low, high) = Tests[random.Next(Tests.Length)];
                var value = Math.Round(low + ((high - low) * (decimal)random.NextDouble()), 2);
                labs.Add(new LabResult
                {
                    TestId = test,
                    CollectedAt = Timestamp.OfDate(screening.AddDays(-random.Next(0, 730))),
                    Value = LabValue.Of(value),
                    Unit = unit,
                    ReferenceLow = low * 1.2m,
                    ReferenceHigh = high * 0.8m,
                    Source = new SourceRef(blob, (p * labsPerPatient) + i + 2),
                });
            }

            var medications = new List<MedicationRecord>(medicationsPerPatient);
            for (var i = 0; i < medicationsPerPatient; i++)
            {
                var name = Drugs[random.Next(Drugs.Length)];
                var match = drugs.Resolve(null, null, name);
                var start = screening.AddDays(-random.Next(30, 900));
                medications.Add(new MedicationRecord
                {
                    DrugName = name,
                    Ingredient = match?.Ingredient.Id,
                    Classes = match?.Classes ?? [],
                    Dose = 500m,
                    DoseUnit = "mg",
                    Frequency = "BID",
                    Route = "oral",
                    Start = start,
                    End = random.Next(3) == 0 ? null : start.AddDays(random.Next(7, 120)),
                    Source = new SourceRef("uploads/site-bench/medications.csv", (p * medicationsPerPatient) + i + 2),
                });
            }

            patients.Add(new PatientRecord
            {
                SiteId = "site-bench",
                PatientId = "P" + p.ToString("D6", System.Globalization.CultureInfo.InvariantCulture),
                Demographics = [new Demographics { Sex = p % 2 == 0 ? Sex.Female : Sex.Male, BirthDate = screening.AddYears(-20 - (p % 40)), ScreeningDate = screening, Source = new SourceRef("uploads/site-bench/patients.csv", p + 2) }],
                Labs = labs.OrderBy(l => l.Source.Line).ToList(),
                Medications = medications,
                Clinical = [],
                Coverage = [new CoverageDeclaration("uploads/site-bench/medications.csv", [RecordCategories.Medications], new DateRange(screening.AddYears(-3), screening), "manifest")],
                Inputs = [new InputRef(blob, new string('0', 64))],
            });
        }

        return patients;
    }
}
