using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>Checks shared by every canonical kind: the patient id and the site column.</summary>
internal static class CommonColumns
{
    public const int MaxPatientIdLength = 128;

    public static bool TryPatient(CsvRow row, ReadContext context, ReportBuilder report, out string patientId)
    {
        patientId = row["patient_id"] ?? string.Empty;
        if (patientId.Length == 0)
        {
            report.Reject(row.Reject("patient_id", ErrorCodes.MissingValue, "patient_id is empty; every row needs the patient it belongs to"));
            return false;
        }

        if (patientId.Length > MaxPatientIdLength || patientId.Any(char.IsControl))
        {
            report.Reject(row.Reject("patient_id", ErrorCodes.InvalidRecord, $"patient_id is longer than {MaxPatientIdLength} characters or holds control characters"));
            return false;
        }

        if (row["site_id"] is { } site && !string.Equals(site, context.SiteId, StringComparison.OrdinalIgnoreCase))
        {
            report.Reject(row.Reject("site_id", ErrorCodes.SiteMismatch, $"the row claims site '{ValueReader.Clip(site)}' but was uploaded to the folder of site '{context.SiteId}'; upload each site's rows to its own folder"));
            return false;
        }

        return true;
    }

    public static bool TryRequiredDate(CsvRow row, ReadContext context, string column, ReportBuilder report, out Timestamp value)
    {
        value = default;
        var text = row[column];
        if (text is null)
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

    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!CommonColumns.TryPatient(row, context, report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, "collected_at", report, out var collectedAt))
        {
            return;
        }

        var code = row["test_code"];
        var name = row["test_name"];
        if (code is null && name is null)
        {
            report.Reject(row.Reject(row.Has("test_code") ? "test_code" : "test_name", ErrorCodes.MissingValue, "both test_code and test_name are empty; a result needs its test"));
            return;
        }

        var system = row["code_system"] ?? row.ImpliedCodeSystem("test_code");
        var test = _normalizer.ResolveTest(code, system, name, context.Settings.Profile);
        if (test is null)
        {
            report.Ignore(ErrorCodes.TestNotRecognised, LabNormalizer.DescribeUnrecognised(code, name), row.Line);
            return;
        }

        if (!CommonColumns.TryDemographics(row, context, report, out var demographics))
        {
            return;
        }

        var value = context.Values.LabValue(row["value"]);
        if (!value.IsOk)
        {
            report.Reject(row.Reject("value", value.ErrorCode!, value.Message!));
            return;
        }

        var identity = new LabIdentity(collectedAt, code, system ?? (code is not null && test.Loinc.Count > 0 && context.Labs.FindByLoinc(code) is not null ? "LOINC" : null), name, context.Source(row.Line), row["flag"], row["specimen"]);
        var lab = _normalizer.Normalize(test, value.Value!, row["value"]!, row["unit"], row["reference_range"], identity, out var unitProblem);
        if (unitProblem is not null)
        {
            report.Warn(ErrorCodes.UnitNotRecognised, unitProblem, row.Line);
        }

        if (demographics is not null)
        {
            sink.Add(patientId, demographics);
        }

        sink.Add(patientId, lab);
        report.Used();
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
        var match = MedicationResolver.Resolve(context, code, system, name);
        if (match is null)
        {
            report.Warn(ErrorCodes.DrugNotRecognised, ValueReader.Clip(name ?? code!), row.Line);
        }

        sink.Add(patientId, new MedicationRecord
        {
            DrugName = name ?? code!,
            Ingredient = match?.Ingredient.Id,
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
            report.Reject(new Rejection(row.Line, null, ErrorCodes.MissingValue, "the row has a patient_id but no sex, birth date or screening dates"));
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
