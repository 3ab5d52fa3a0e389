using ServerlessScreening.Text;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// A canonical column of an input kind and the header names that also mean it. <c>ImpliedCodeSystem</c> maps an
/// alias to the code system it implies: a column headed <c>atc</c> holds ATC codes.
/// </summary>
public sealed record ColumnSpec(string Name, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, string>? ImpliedCodeSystem = null);

/// <summary>Which input kind a file is, found from its header row (INPUTS.md, "Kinds").</summary>
public static class UploadKinds
{
    public const string Labs = "labs";
    public const string Medications = "medications";
    public const string Patients = "patients";
    public const string Clinical = "clinical";
    public const string SyntheaPatients = "synthea-patients";
    public const string SyntheaObservations = "synthea-observations";
    public const string SyntheaMedications = "synthea-medications";
    public const string SyntheaConditions = "synthea-conditions";
    public const string SyntheaProcedures = "synthea-procedures";
    public const string SyntheaImmunizations = "synthea-immunizations";
    public const string SyntheaNotUsed = "synthea-not-used";
    public const string FhirNdjson = "fhir-ndjson";
}

/// <summary>
/// The canonical CSV kinds, their columns and aliases. Header names match case-insensitively, ignoring spaces,
/// underscores and hyphens (<see cref="Keys.Name"/>); a site profile adds names of its own per canonical column.
/// </summary>
public static class CanonicalSchema
{
    private static readonly string[] PatientIdAliases = ["patientid", "mrn", "病历号", "患者ID", "患者编号", "住院号"];
    private static readonly string[] SiteAliases = ["site", "siteid", "中心编号"];

    public static readonly IReadOnlyList<ColumnSpec> LabColumns =
    [
        new("patient_id", PatientIdAliases),
        new("site_id", SiteAliases),
        new("collected_at", ["collection_date", "specimen_date", "result_date", "采样时间", "采集时间", "报告时间"]),
        new("test_code", ["loinc", "code", "项目代码"], new Dictionary<string, string> { ["loinc"] = "LOINC" }),
        new("test_name", ["test", "name", "项目名称"]),
        new("value", ["result", "结果"]),
        new("unit", ["units", "单位"]),
        new("reference_range", ["reference", "normal_range", "参考范围", "参考值"]),
        new("flag", ["abnormal_flag", "提示"]),
        new("specimen", ["sample", "标本"]),
        new("code_system", ["system"]),
        new("sex", ["gender", "性别"]),
        new("birth_date", ["birthdate", "dob", "date_of_birth", "出生日期"]),
    ];

    public static readonly IReadOnlyList<ColumnSpec> MedicationColumns =
    [
        new("patient_id", PatientIdAliases),
        new("site_id", SiteAliases),
        new("drug_name", ["medication", "drug", "药品名称", "药物名称"]),
        new("drug_code", ["atc", "rxnorm", "药品编码"], new Dictionary<string, string> { ["atc"] = "ATC", ["rxnorm"] = "RxNorm" }),
        new("code_system", ["system"]),
        new("dose", ["剂量"]),
        new("dose_unit", ["剂量单位"]),
        new("frequency", ["频次"]),
        new("route", ["给药途径", "用法"]),
        new("start_date", ["start", "开始日期", "开始时间"]),
        new("end_date", ["stop", "结束日期", "结束时间"]),
        new("status", ["状态"]),
    ];

    public static readonly IReadOnlyList<ColumnSpec> PatientColumns =
    [
        new("patient_id", PatientIdAliases),
        new("site_id", SiteAliases),
        new("sex", ["gender", "性别"]),
        new("birth_date", ["birthdate", "dob", "date_of_birth", "出生日期"]),
        new("screening_date", ["筛选日期"]),
        new("consent_date", ["informed_consent_date", "知情同意日期"]),
        new("randomization_date", ["randomisation_date", "随机日期"]),
        new("childbearing_potential", ["childbearing", "育龄"]),
    ];

    public static readonly IReadOnlyList<ColumnSpec> ClinicalColumns =
    [
        new("patient_id", PatientIdAliases),
        new("site_id", SiteAliases),
        new("date", ["日期"]),
        new("type", ["类型"]),
        new("code_system", ["system"]),
        new("code", ["编码"]),
        new("name", ["名称"]),
        new("value", ["值"]),
    ];

    public static IReadOnlyList<ColumnSpec> ColumnsOf(string kind) => kind switch
    {
        UploadKinds.Labs => LabColumns,
        UploadKinds.Medications => MedicationColumns,
        UploadKinds.Patients => PatientColumns,
        UploadKinds.Clinical => ClinicalColumns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a canonical CSV kind"),
    };

    /// <summary>
    /// The kinds a header row can be. A kind matches when all its required columns are present: labs need a
    /// patient, a collection date, a value and a test code or name; medications a patient, a start date and a drug
    /// name or code; clinical a patient, a date, a type and a code or name; patients a patient and one of its
    /// own columns, and no other kind's signature.
    /// </summary>
    public static IReadOnlyList<string> Match(IReadOnlyList<string> headers, SiteProfile profile)
    {
        var matches = new List<string>();
        var labs = ColumnMap.Create(headers, LabColumns, profile);
        if (labs.Has("patient_id") && labs.Has("collected_at") && labs.Has("value") && (labs.Has("test_code") || labs.Has("test_name")))
        {
            matches.Add(UploadKinds.Labs);
        }

        var medications = ColumnMap.Create(headers, MedicationColumns, profile);
        if (medications.Has("patient_id") && medications.Has("start_date") && (medications.Has("drug_name") || medications.Has("drug_code")))
        {
            matches.Add(UploadKinds.Medications);
        }

        var clinical = ColumnMap.Create(headers, ClinicalColumns, profile);
        if (clinical.Has("patient_id") && clinical.Has("date") && clinical.Has("type") && (clinical.Has("code") || clinical.Has("name")))
        {
            matches.Add(UploadKinds.Clinical);
        }

        var patients = ColumnMap.Create(headers, PatientColumns, profile);
        if (matches.Count == 0 && patients.Has("patient_id")
            && (patients.Has("sex") || patients.Has("birth_date") || patients.Has("screening_date") || patients.Has("consent_date") || patients.Has("childbearing_potential")))
        {
            matches.Add(UploadKinds.Patients);
        }

        return matches;
    }
}

/// <summary>Where each canonical column of a kind is in a file's header row.</summary>
public sealed class ColumnMap
{
    private readonly System.Collections.Frozen.FrozenDictionary<string, int> _ordinals;
    private readonly Dictionary<string, string> _impliedSystems;

    private ColumnMap(Dictionary<string, int> ordinals, Dictionary<string, string> impliedSystems, IReadOnlyList<string> unmapped)
    {
        // Looked up for every column of every row: a frozen dictionary is the fastest read-only map.
        _ordinals = System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(ordinals, StringComparer.Ordinal);
        _impliedSystems = impliedSystems;
        Unmapped = unmapped;
    }

    /// <summary>Header names that map to no column of the kind; they are not read.</summary>
    public IReadOnlyList<string> Unmapped { get; }

    public static ColumnMap Create(IReadOnlyList<string> headers, IReadOnlyList<ColumnSpec> columns, SiteProfile profile)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(profile);
        var byKey = new Dictionary<string, (string Column, string? System)>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            byKey.TryAdd(Keys.Name(column.Name), (column.Name, null));
            foreach (var alias in column.Aliases)
            {
                byKey.TryAdd(Keys.Name(alias), (column.Name, column.ImpliedCodeSystem?.GetValueOrDefault(alias)));
            }

            if (profile.Columns.TryGetValue(column.Name, out var extra))
            {
                foreach (var alias in extra)
                {
                    // A site's own name for a column wins over a built-in alias that happens to be spelt the same.
                    byKey[Keys.Name(alias)] = (column.Name, null);
                }
            }
        }

        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var systems = new Dictionary<string, string>(StringComparer.Ordinal);
        var unmapped = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            if (byKey.TryGetValue(Keys.Name(headers[i]), out var match) && ordinals.TryAdd(match.Column, i))
            {
                if (match.System is not null)
                {
                    systems[match.Column] = match.System;
                }
            }
            else if (headers[i].Trim().Length > 0)
            {
                unmapped.Add(headers[i].Trim());
            }
        }

        return new ColumnMap(ordinals, systems, unmapped);
    }

    public bool Has(string column) => _ordinals.ContainsKey(column);

    public int? OrdinalOf(string column) => _ordinals.TryGetValue(column, out var ordinal) ? ordinal : null;

    /// <summary>Where a canonical column is in the header row, or -1 when the file does not have it.</summary>
    public int Ordinal(string column) => _ordinals.TryGetValue(column, out var ordinal) ? ordinal : -1;

    public string? ImpliedCodeSystem(string column) => _impliedSystems.GetValueOrDefault(column);

    public string HeaderOf(string column, IReadOnlyList<string> headers) =>
        _ordinals.TryGetValue(column, out var ordinal) ? headers[ordinal] : column;
}
