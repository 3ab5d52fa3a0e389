using System.Globalization;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Protocols;

/// <summary>Evidence entries built from facts, each pointing back to its upload and line.</summary>
public static class EvidenceOf
{
    public static Evidence Lab(LabResult lab, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(lab);
        return new Evidence
        {
            Source = lab.Source.Blob,
            Line = lab.Source.Line,
            Date = lab.CollectedAt.ToString(),
            Code = lab.Code ?? lab.TestId,
            Name = lab.Name ?? lab.TestId,
            Value = ValueOf(lab.Value),
            Unit = lab.Unit,
            Raw = lab.Conversion is null && lab.UnitRecognized ? null : $"{lab.RawValue} {lab.RawUnit}".Trim(),
            Conversion = lab.UnitRecognized ? lab.Conversion : "none: unit not recognised, value not compared",
            Note = note,
        };
    }

    public static Evidence Medication(MedicationRecord medication, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(medication);
        var period = medication.End is { } end
            ? (end == medication.Start ? "single administration" : $"until {IsoDate.Format(end)}")
            : "ongoing";
        return new Evidence
        {
            Source = medication.Source.Blob,
            Line = medication.Source.Line,
            Date = IsoDate.Format(medication.Start),
            Code = medication.Code,
            Name = medication.Ingredient is null ? medication.DrugName : $"{medication.DrugName} ({medication.Ingredient})",
            Value = medication.Dose,
            Unit = medication.DoseUnit,
            Note = JoinPresent(period, medication.Route, medication.Frequency, note),
        };
    }

    /// <summary>The texts that are neither null nor empty, joined with "; ".</summary>
    private static string JoinPresent(string? first, string? second, string? third, string? fourth)
    {
        ReadOnlySpan<string?> texts = [first, second, third, fourth];
        Span<string?> present = [null, null, null, null];
        var count = 0;
        foreach (var text in texts)
        {
            if (!string.IsNullOrEmpty(text))
            {
                present[count++] = text;
            }
        }

        return string.Join("; ", present[..count]);
    }

    public static Evidence Clinical(ClinicalFact fact, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return new Evidence
        {
            Source = fact.Source.Blob,
            Line = fact.Source.Line,
            Date = IsoDate.Format(fact.Date),
            Code = fact.Code is null ? null : (fact.CodeSystem is null ? fact.Code : $"{fact.CodeSystem} {fact.Code}"),
            Name = fact.Name ?? fact.Type,
            Value = fact.Value,
            Note = note,
        };
    }

    public static Evidence Demographics(Demographics row, string field, string? value) => new()
    {
        Source = row.Source.Blob,
        Line = row.Source.Line,
        Name = field,
        Value = value,
    };

    public static object? ValueOf(LabValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Kind switch
        {
            LabValueKind.Numeric => value.Number,
            LabValueKind.Censored => value.Comparator + value.Number?.ToString(CultureInfo.InvariantCulture),
            _ => value.Result?.ToString().ToLowerInvariant(),
        };
    }

    public static string Describe(LabValue value, string? unit)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Kind switch
        {
            LabValueKind.Numeric => LabNormalizer.Format(value.Number!.Value),
            LabValueKind.Censored => value.Comparator + LabNormalizer.Format(value.Number!.Value),
            _ => value.Result?.ToString().ToLowerInvariant() ?? "?",
        };
        return value.Kind == LabValueKind.Qualitative || string.IsNullOrEmpty(unit) ? text : $"{text} {unit}";
    }
}
