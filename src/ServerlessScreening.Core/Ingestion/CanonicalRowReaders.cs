using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>Checks shared by every canonical kind: the patient id and the site column.</summary>
internal static class CommonColumns
{
    public const int MaxPatientIdLength = 128;

    public static bool TryPatient(CsvRow row, ReadContext context, ReportBuilder report, out string patientId) =>
        TryPatient(row, row.Ordinal("patient_id"), row.Ordinal("site_id"), context, report, out patientId);

    /// <summary>The patient id (one shared string per distinct id) at <paramref name="patientColumn"/>, checked against the site at <paramref name="siteColumn"/>.</summary>
    public static bool TryPatient(CsvRow row, int patientColumn, int siteColumn, ReadContext context, ReportBuilder report, out string patientId)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        patientId = string.Empty;
        var id = row.Span(patientColumn);
        if (id.IsEmpty)
        {
            report.Reject(row.Reject("patient_id", ErrorCodes.MissingValue, "patient_id is empty; every row needs the patient it belongs to"));
            return false;
        }

        if (id.Length > MaxPatientIdLength || HasControl(id))
        {
            report.Reject(row.Reject("patient_id", ErrorCodes.InvalidRecord, $"patient_id is longer than {MaxPatientIdLength} characters or holds control characters"));
            return false;
        }

        var site = row.Span(siteColumn);
        if (!site.IsEmpty && !site.Equals(context.SiteId, StringComparison.OrdinalIgnoreCase))
        {
            report.Reject(row.Reject("site_id", ErrorCodes.SiteMismatch, $"the row claims site '{ValueReader.Clip(site.ToString())}' but was uploaded to the folder of site '{context.SiteId}'; upload each site's rows to its own folder"));
            return false;
        }

        patientId = row.Shared(patientColumn)!;
        return true;
    }

    public static bool TryRequiredDate(CsvRow row, ReadContext context, string column, ReportBuilder report, out Timestamp value) =>
        TryRequiredDate(row, row.Ordinal(column), column, context, report, out value);

    /// <summary>The required date at <paramref name="ordinal"/>, read in place; <paramref name="column"/> names it in rejections.</summary>
    public static bool TryRequiredDate(CsvRow row, int ordinal, string column, ReadContext context, ReportBuilder report, out Timestamp value)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        value = default;
        var text = row.Span(ordinal);
        if (text.IsEmpty)
        {
            report.Reject(row.Reject(column, ErrorCodes.MissingValue, $"{column} is empty and is required"));
            return false;
        }

        var parsed = context.Dates.Read(text);
        if (!parsed.IsOk)
        {
            report.Reject(row.Reject(column, parsed.ErrorCode!, $"{column}: {parsed.Message}"));
            return false;
        }

        value = parsed.Value;
        return true;
    }

    private static bool HasControl(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryOptionalDate(CsvRow row, ReadContext context, string column, ReportBuilder report, out DateOnly? value)
    {
        value = null;
        if (row[column] is not { } text)
        {
            return true;
        }

        var parsed = context.Dates.Read(text);
        if (!parsed.IsOk)
        {
            report.Reject(row.Reject(column, parsed.ErrorCode!, $"{column}: {parsed.Message}"));
            return false;
        }

        value = parsed.Value.Date;
        return true;
    }

    /// <summary>Demographic columns a row may carry (the patients kind, or sex and birth date on lab rows).</summary>
    public static bool TryDemographics(CsvRow row, ReadContext context, ReportBuilder report, out Demographics? demographics)
    {
        demographics = null;
        if (!row.HasDemographics)
        {
            return true;
        }

        var sex = ValueReader.Sex(row["sex"]);
        if (!sex.IsOk)
        {
            report.Reject(row.Reject("sex", sex.ErrorCode!, sex.Message!));
            return false;
        }

        if (!TryOptionalDate(row, context, "birth_date", report, out var birth)
            || !TryOptionalDate(row, context, "screening_date", report, out var screening)
            || !TryOptionalDate(row, context, "consent_date", report, out var consent)
            || !TryOptionalDate(row, context, "randomization_date", report, out var randomization))
        {
            return false;
        }

        var childbearing = ValueReader.YesNo(row["childbearing_potential"], "childbearing_potential");
        if (!childbearing.IsOk)
        {
            report.Reject(row.Reject("childbearing_potential", childbearing.ErrorCode!, childbearing.Message!));
            return false;
        }

        if (sex.Value is null && birth is null && screening is null && consent is null && randomization is null && childbearing.Value is null)
        {
            return true;
        }

        demographics = new Demographics
        {
            Sex = sex.Value,
            BirthDate = birth,
            ScreeningDate = screening,
            ConsentDate = consent,
            RandomizationDate = randomization,
            ChildbearingPotential = childbearing.Value,
            Source = context.Source(row.Line),
        };
        return true;
    }
}

/// <summary>The labs kind: one row per result.</summary>
public sealed class LabRowReader(ReadContext context) : IRowReader
{
    private readonly LabNormalizer _normalizer = new(context.Labs, context.Values);
    private LabColumns? _columns;

    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        var columns = _columns is { } resolved && ReferenceEquals(resolved.Map, row.Map) ? resolved : _columns = new LabColumns(row.Map);
        if (!CommonColumns.TryPatient(row, columns.PatientId, columns.SiteId, context, report, out var patientId))
        {
            return;
        }

        // A row's sex and birth date are the patient's, not the result's: they are read first and kept whatever becomes
        // of the lab value below (a test not recognised, a value or date rejected), so a patient whose only rows are
        // such still has a sex and an age. Demographics that are themselves invalid reject the row, result and all.
        if (!CommonColumns.TryDemographics(row, context, report, out var demographics))
        {
            return;
        }

        if (demographics is not null)
        {
            sink.Add(patientId, demographics);
        }

        if (!CommonColumns.TryRequiredDate(row, columns.CollectedAt, "collected_at", context, report, out var collectedAt))
        {
            return;
        }

        var code = row.Shared(columns.TestCode);
        var name = row.Shared(columns.TestName);
        if (code is null && name is null)
        {
            report.Reject(row.Reject(columns.TestCode >= 0 ? "test_code" : "test_name", ErrorCodes.MissingValue, "both test_code and test_name are empty; a result needs its test"));
            return;
        }

        var system = row.Shared(columns.CodeSystem) ?? columns.ImpliedTestCodeSystem;
        var test = _normalizer.ResolveTest(code, system, name, context.Settings.Profile);
        if (test is null)
        {
            report.Ignore(ErrorCodes.TestNotRecognised, LabNormalizer.DescribeUnrecognised(code, name), row.Line);
            return;
        }

        // Numbers and censored numbers, nearly every result, are read in place and made into a lab value once, in
        // the unit the result keeps; anything else goes through the general reader as a string.
        var valueText = row.Span(columns.Value);
        LabValue? other = null;
        if (!context.Values.TryNumericLabValue(valueText, out var numeric))
        {
            var parsed = context.Values.LabValue(row.String(columns.Value));
            if (!parsed.IsOk)
            {
                report.Reject(row.Reject("value", parsed.ErrorCode!, parsed.Message!));
                return;
            }

            other = parsed.Value!;
        }

        var identity = new LabIdentity(collectedAt, code, system ?? (code is not null && test.Loinc.Count > 0 && context.Labs.FindByLoinc(code) is not null ? "LOINC" : null), name, context.Source(row.Line), row.Shared(columns.Flag), row.Shared(columns.Specimen));
        var unit = row.Shared(columns.Unit);
        var range = row.Shared(columns.ReferenceRange);
        string? unitProblem;
        var lab = other is null
            ? _normalizer.Normalize(test, numeric, valueText, unit, range, identity, out unitProblem)
            : _normalizer.Normalize(test, other, valueText, unit, range, identity, out unitProblem);
        if (unitProblem is not null)
        {
            report.Warn(ErrorCodes.UnitNotRecognised, unitProblem, row.Line);
        }

        sink.Add(patientId, lab);
        report.Used();
    }

    /// <summary>Where the lab columns are in one file: resolved once per file, not looked up by name for every row.</summary>
    private sealed class LabColumns(ColumnMap map)
    {
        public ColumnMap Map { get; } = map;

        public int PatientId { get; } = map.Ordinal("patient_id");

        public int SiteId { get; } = map.Ordinal("site_id");

        public int CollectedAt { get; } = map.Ordinal("collected_at");

        public int TestCode { get; } = map.Ordinal("test_code");

        public int TestName { get; } = map.Ordinal("test_name");

        public int CodeSystem { get; } = map.Ordinal("code_system");

        public string? ImpliedTestCodeSystem { get; } = map.ImpliedCodeSystem("test_code");

        public int Value { get; } = map.Ordinal("value");

        public int Unit { get; } = map.Ordinal("unit");

        public int ReferenceRange { get; } = map.Ordinal("reference_range");

        public int Flag { get; } = map.Ordinal("flag");

        public int Specimen { get; } = map.Ordinal("specimen");
    }
}

/// <summary>The medications kind: one row per prescription, order or administration.</summary>
public sealed class MedicationRowReader(ReadContext context) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!CommonColumns.TryPatient(row, context, report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, "start_date", report, out var start)
            || !CommonColumns.TryOptionalDate(row, context, "end_date", report, out var end))
        {
            return;
        }

        var name = row["drug_name"];
        var code = row["drug_code"];
        if (name is null && code is null)
        {
            report.Reject(row.Reject(row.Has("drug_name") ? "drug_name" : "drug_code", ErrorCodes.MissingValue, "both drug_name and drug_code are empty; a medication row needs its drug"));
            return;
        }

        if (end is { } endDate && endDate < start.Date)
        {
            report.Reject(row.Reject("end_date", ErrorCodes.EndBeforeStart, $"end_date {IsoDates.Format(endDate)} is before start_date {IsoDates.Format(start.Date)}"));
            return;
        }

        var dose = context.Values.OptionalNumber(row["dose"], "dose");
        if (!dose.IsOk)
        {
            report.Reject(row.Reject("dose", dose.ErrorCode!, dose.Message!));
            return;
        }

        var system = row["code_system"] ?? row.ImpliedCodeSystem("drug_code");
        // Classified, not only resolved: an ATC code no ingredient lists still gives the class its code proves.
        var match = MedicationResolver.Classify(context, code, system, name);
        if (match is null)
        {
            report.Warn(ErrorCodes.DrugNotRecognised, ValueReader.Clip(name ?? code!), row.Line);
        }

        sink.Add(patientId, new MedicationRecord
        {
            DrugName = name ?? code!,
            Ingredient = match?.Ingredient?.Id,
            Classes = match?.Classes ?? [],
            Code = code,
            CodeSystem = system,
            Dose = dose.Value,
            DoseUnit = row["dose_unit"],
            Frequency = row["frequency"],
            Route = row["route"],
            Start = start.Date,
            End = end,
            Status = row["status"],
            Source = context.Source(row.Line),
        });
        report.Used();
    }
}

/// <summary>The patients kind: one row per patient.</summary>
public sealed class PatientRowReader(ReadContext context) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!CommonColumns.TryPatient(row, context, report, out var patientId)
            || !CommonColumns.TryDemographics(row, context, report, out var demographics))
        {
            return;
        }

        if (demographics is null)
        {
            // Every demographic column the file has is empty on this row: those are the columns concerned.
            var columns = row.DemographicHeaders.Count == 0 ? null : string.Join(", ", row.DemographicHeaders);
            report.Reject(new Rejection(row.Line, columns, ErrorCodes.MissingValue, columns is null
                ? "the row has a patient_id but no sex, birth date or screening dates"
                : $"the row has a patient_id but {columns} {(row.DemographicHeaders.Count == 1 ? "is" : "are all")} empty; a patients row needs at least one of them"));
            return;
        }

        sink.Add(patientId, demographics);
        report.Used();
    }
}

/// <summary>The clinical kind: diagnoses, procedures, immunizations, assessments and attestations.</summary>
public sealed class ClinicalRowReader(ReadContext context) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!CommonColumns.TryPatient(row, context, report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, "date", report, out var date))
        {
            return;
        }

        var type = (row["type"] ?? string.Empty).ToLowerInvariant();
        if (!ClinicalFactTypes.All.Contains(type))
        {
            report.Reject(row.Reject("type", type.Length == 0 ? ErrorCodes.MissingValue : ErrorCodes.InvalidClinicalType, $"type '{ValueReader.Clip(type)}' is not one of {string.Join(", ", ClinicalFactTypes.All)}"));
            return;
        }

        var code = row["code"];
        var name = row["name"];
        if (code is null && name is null)
        {
            report.Reject(row.Reject("code", ErrorCodes.MissingValue, "both code and name are empty; a clinical fact needs one"));
            return;
        }

        sink.Add(patientId, new ClinicalFact
        {
            Type = type,
            Date = date.Date,
            CodeSystem = row["code_system"],
            Code = code,
            Name = name,
            Value = row["value"],
            Source = context.Source(row.Line),
        });
        report.Used();
    }
}
