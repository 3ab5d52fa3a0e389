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
        return new Evidence
        {
            Source = medication.Source.Blob,
            Line = medication.Source.Line,
            Date = IsoDate.Format(medication.Start),
            Code = medication.Code,
            Name = medication.Ingredient is null ? medication.DrugName : string.Concat(medication.DrugName, " (", medication.Ingredient, ")"),
            Value = medication.Dose,
            Unit = medication.DoseUnit,
            Note = MedicationNote(medication, note),
        };
    }

    /// <summary>
    /// The period (<c>ongoing</c>, <c>single administration</c> or <c>until</c> the end date), route, frequency and
    /// note, those present joined with "; ", written into one string.
    /// </summary>
    private static string MedicationNote(MedicationRecord medication, string? note)
    {
        const string Until = "until ";
        const string Separator = "; ";
        var end = medication.End;
        var period = end is null ? "ongoing" : end == medication.Start ? "single administration" : null;
        var length = (period?.Length ?? Until.Length + IsoDate.Length)
            + Present(medication.Route) + Present(medication.Frequency) + Present(note);
        return string.Create(length, (Period: period, End: end.GetValueOrDefault(), medication.Route, medication.Frequency, Note: note), static (chars, parts) =>
        {
            if (parts.Period is not null)
            {
                parts.Period.CopyTo(chars);
                chars = chars[parts.Period.Length..];
            }
            else
            {
                Until.CopyTo(chars);
                IsoDate.Write(parts.End, chars[Until.Length..]);
                chars = chars[(Until.Length + IsoDate.Length)..];
            }

            Append(ref chars, parts.Route);
            Append(ref chars, parts.Frequency);
            Append(ref chars, parts.Note);
        });

        static int Present(string? text) => string.IsNullOrEmpty(text) ? 0 : Separator.Length + text.Length;

        static void Append(ref Span<char> chars, string? text)
        {
            if (!string.IsNullOrEmpty(text))
            {
                Separator.CopyTo(chars);
                text.CopyTo(chars[Separator.Length..]);
                chars = chars[(Separator.Length + text.Length)..];
            }
        }
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

    /// <summary>
    /// The upload whose declared coverage makes absence count, as the upload as a whole (line 1); the period is an
    /// ISO 8601 interval, and the note names the manifest or profile that declared it.
    /// </summary>
    public static Evidence Coverage(CoverageDeclaration declaration, string category)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        return new Evidence
        {
            Source = declaration.Blob,
            Line = 1,
            Date = $"{IsoDate.Format(declaration.Period.From)}/{IsoDate.Format(declaration.Period.To)}",
            Name = category + " coverage",
            Note = $"declared complete for {category} over this period by {declaration.DeclaredBy}, so the absence of a record counts",
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
