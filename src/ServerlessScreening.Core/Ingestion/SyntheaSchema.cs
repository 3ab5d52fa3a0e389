using ServerlessScreening.Facts;
using ServerlessScreening.Text;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// The CSV tables of the public Synthea generator, recognised by their header rows in both column layouts found in
/// the wild (with or without <c>SYSTEM</c>, <c>CATEGORY</c>, <c>FIPS</c>, <c>INCOME</c>…): columns are matched by name,
/// never by position. Tables the protocols have no use for (encounters, care plans, allergies) are recognised so their
/// rows are counted as not relevant rather than the file being rejected.
/// </summary>
public static class SyntheaSchema
{
    /// <summary>Direct identifiers Synthea's patients table carries. They are never read; the report names the columns, never their values.</summary>
    public static readonly IReadOnlySet<string> IdentifierColumns = new HashSet<string>(StringComparer.Ordinal)
    {
        "ssn", "drivers", "passport", "prefix", "first", "middle", "last", "suffix", "maiden", "address", "city", "state",
        "county", "fips", "zip", "lat", "lon", "birthplace",
    };

    private static ColumnSpec Column(string name) => new(name, []);

    public static readonly IReadOnlyList<ColumnSpec> PatientColumns = [Column("id"), Column("birthdate"), Column("gender"), Column("deathdate")];

    public static readonly IReadOnlyList<ColumnSpec> ObservationColumns =
        [Column("date"), Column("patient"), Column("encounter"), Column("category"), Column("code"), Column("description"), Column("value"), Column("units"), Column("type")];

    public static readonly IReadOnlyList<ColumnSpec> MedicationColumns =
        [Column("start"), Column("stop"), Column("patient"), Column("code"), Column("description"), Column("dispenses")];

    public static readonly IReadOnlyList<ColumnSpec> EventColumns =
        [Column("start"), Column("stop"), Column("date"), Column("patient"), Column("encounter"), Column("system"), Column("code"), Column("description")];

    public static readonly IReadOnlyList<ColumnSpec> AnyColumns = [Column("patient")];

    /// <summary>The Synthea tables a header row can be (usually none or one).</summary>
    public static IReadOnlyList<string> Match(IReadOnlyList<string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var has = headers.Select(Keys.Name).ToHashSet(StringComparer.Ordinal);
        bool All(params string[] names) => names.All(has.Contains);
        bool None(params string[] names) => !names.Any(has.Contains);

        var matches = new List<string>();
        if (All("id", "birthdate", "gender") && None("patient"))
        {
            matches.Add(UploadKinds.SyntheaPatients);
        }

        if (All("date", "patient", "code", "description", "value", "units"))
        {
            matches.Add(UploadKinds.SyntheaObservations);
        }

        if (All("start", "patient", "code", "description", "dispenses"))
        {
            matches.Add(UploadKinds.SyntheaMedications);
        }

        if (All("date", "patient", "encounter", "code", "description") && None("value", "units", "start"))
        {
            matches.Add(UploadKinds.SyntheaImmunizations);
        }

        if (All("patient", "encounter", "code", "description", "basecost") && (has.Contains("start") || has.Contains("date")) && None("dispenses", "organization", "value"))
        {
            if (!matches.Contains(UploadKinds.SyntheaImmunizations))
            {
                matches.Add(UploadKinds.SyntheaProcedures);
            }
        }

        if (All("start", "patient", "encounter", "code", "description") && None("basecost", "reasoncode", "type", "category", "id", "dispenses"))
        {
            matches.Add(UploadKinds.SyntheaConditions);
        }

        if ((All("id", "start", "patient", "organization", "encounterclass"))
            || (All("id", "start", "patient", "code", "reasoncode") && None("organization", "basecost"))
            || (All("start", "patient", "code", "description", "type", "category") && None("basecost")))
        {
            matches.Add(UploadKinds.SyntheaNotUsed);
        }

        return matches;
    }

    public static IReadOnlyList<ColumnSpec> ColumnsOf(string kind) => kind switch
    {
        UploadKinds.SyntheaPatients => PatientColumns,
        UploadKinds.SyntheaObservations => ObservationColumns,
        UploadKinds.SyntheaMedications => MedicationColumns,
        UploadKinds.SyntheaConditions or UploadKinds.SyntheaProcedures or UploadKinds.SyntheaImmunizations => EventColumns,
        _ => AnyColumns,
    };

    public static IRowReader ReaderOf(string kind, ReadContext context) => kind switch
    {
        UploadKinds.SyntheaPatients => new SyntheaPatientReader(context),
        UploadKinds.SyntheaObservations => new SyntheaObservationReader(context),
        UploadKinds.SyntheaMedications => new SyntheaMedicationReader(context),
        UploadKinds.SyntheaConditions => new SyntheaEventReader(context, ClinicalFactTypes.Diagnosis, "SNOMED-CT"),
        UploadKinds.SyntheaProcedures => new SyntheaEventReader(context, ClinicalFactTypes.Procedure, "SNOMED-CT"),
        UploadKinds.SyntheaImmunizations => new SyntheaEventReader(context, ClinicalFactTypes.Immunization, "CVX"),
        _ => new NotUsedReader("a Synthea table the protocols do not use"),
    };
}

internal static class SyntheaColumns
{
    public static bool TryPatient(CsvRow row, string column, ReportBuilder report, out string patientId)
    {
        patientId = row[column] ?? string.Empty;
        if (patientId.Length is > 0 and <= CommonColumns.MaxPatientIdLength)
        {
            return true;
        }

        report.Reject(row.Reject(column, ErrorCodes.MissingValue, $"{row.Header(column)} is empty or longer than {CommonColumns.MaxPatientIdLength} characters; every row needs its patient"));
        return false;
    }
}

/// <summary>patients.csv: Id, BIRTHDATE, GENDER. Names, addresses and identity numbers in the same rows are never read.</summary>
public sealed class SyntheaPatientReader(ReadContext context) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!SyntheaColumns.TryPatient(row, "id", report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, "birthdate", report, out var birth))
        {
            return;
        }

        var sex = ValueReader.Sex(row["gender"]);
        if (!sex.IsOk)
        {
            report.Reject(row.Reject("gender", sex.ErrorCode!, sex.Message!));
            return;
        }

        sink.Add(patientId, new Demographics { Sex = sex.Value, BirthDate = birth.Date, Source = context.Source(row.Line) });
        report.Used();
    }
}

/// <summary>observations.csv: lab results by LOINC code; other observations (vital signs, surveys) are counted as not recognised tests.</summary>
public sealed class SyntheaObservationReader(ReadContext context) : IRowReader
{
    private readonly LabNormalizer _normalizer = new(context.Labs, context.Values);

    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!SyntheaColumns.TryPatient(row, "patient", report, out var patientId))
        {
            return;
        }

        var code = row["code"];
        var name = row["description"];
        var test = _normalizer.ResolveTest(code, "LOINC", null, context.Settings.Profile);
        if (test is null)
        {
            report.Ignore(ErrorCodes.TestNotRecognised, LabNormalizer.DescribeUnrecognised(code, name), row.Line);
            return;
        }

        if (!CommonColumns.TryRequiredDate(row, context, "date", report, out var date))
        {
            return;
        }

        var value = context.Values.LabValue(row["value"]);
        if (!value.IsOk)
        {
            report.Reject(row.Reject("value", value.ErrorCode!, value.Message!));
            return;
        }

        var lab = _normalizer.Normalize(test, value.Value!, row["value"]!, row["units"], null, new LabIdentity(date, code, "LOINC", name, context.Source(row.Line)), out var unitProblem);
        if (unitProblem is not null)
        {
            report.Warn(ErrorCodes.UnitNotRecognised, unitProblem, row.Line);
        }

        sink.Add(patientId, lab);
        report.Used();
    }
}

/// <summary>medications.csv: RxNorm clinical drug code and description, START and STOP (empty STOP: still taken).</summary>
public sealed class SyntheaMedicationReader(ReadContext context) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        if (!SyntheaColumns.TryPatient(row, "patient", report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, "start", report, out var start)
            || !CommonColumns.TryOptionalDate(row, context, "stop", report, out var stop))
        {
            return;
        }

        var code = row["code"];
        var name = row["description"] ?? code ?? string.Empty;
        var match = MedicationResolver.Classify(context, code, "RxNorm", name);
        if (match is null)
        {
            report.Warn(ErrorCodes.DrugNotRecognised, ValueReader.Clip(name), row.Line);
        }

        sink.Add(patientId, new MedicationRecord
        {
            DrugName = name,
            Ingredient = match?.Ingredient?.Id,
            Classes = match?.Classes ?? [],
            Code = code,
            CodeSystem = "RxNorm",
            Start = start.Date,
            End = stop is { } end && end < start.Date ? start.Date : stop,
            Source = context.Source(row.Line),
        });
        report.Used();
    }
}

/// <summary>conditions.csv, procedures.csv and immunizations.csv: dated clinical events with their code.</summary>
public sealed class SyntheaEventReader(ReadContext context, string type, string defaultSystem) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(report);
        var dateColumn = row.Has("start") ? "start" : "date";
        if (!SyntheaColumns.TryPatient(row, "patient", report, out var patientId)
            || !CommonColumns.TryRequiredDate(row, context, dateColumn, report, out var date)
            || !CommonColumns.TryOptionalDate(row, context, "stop", report, out var stop))
        {
            return;
        }

        sink.Add(patientId, new ClinicalFact
        {
            Type = type,
            Date = date.Date,
            End = stop,
            Ongoing = type == ClinicalFactTypes.Diagnosis && row.Has("stop") && stop is null,
            CodeSystem = row["system"] ?? defaultSystem,
            Code = row["code"],
            Name = row["description"],
            Source = context.Source(row.Line),
        });
        report.Used();
    }
}

/// <summary>A recognised table whose rows no criterion uses: each row is counted as ignored, with the reason.</summary>
public sealed class NotUsedReader(string what) : IRowReader
{
    public void Read(CsvRow row, IFactSink sink, ReportBuilder report)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(report);
        report.Ignore(ErrorCodes.RecordNotRelevant, what, row.Line);
    }
}
