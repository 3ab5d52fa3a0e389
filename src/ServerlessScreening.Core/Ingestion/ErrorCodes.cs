namespace ServerlessScreening.Ingestion;

/// <summary>
/// Stable codes for what an ingestion report says about an upload or a row. They are part of the report
/// contract: site tooling may key on them, so a code is never renamed or reused for another meaning.
/// </summary>
public static class ErrorCodes
{
    // The whole file.
    public const string FileEmpty = "FILE_EMPTY";
    public const string FileUnknownKind = "FILE_UNKNOWN_KIND";
    public const string FileAmbiguousKind = "FILE_AMBIGUOUS_KIND";
    public const string FileEncoding = "FILE_ENCODING";
    public const string FileOutsideSite = "FILE_OUTSIDE_SITE";
    // Also one record's malformed quoting: that record is rejected with its line and column, and the file read on.
    public const string FileMalformedCsv = "CSV_MALFORMED";
    public const string FileMalformedJson = "JSON_MALFORMED";
    public const string ManifestInvalid = "MANIFEST_INVALID";
    public const string ProfileInvalid = "PROFILE_INVALID";

    // One row.
    public const string MissingValue = "MISSING_VALUE";
    public const string InvalidDate = "INVALID_DATE";
    public const string AmbiguousDate = "AMBIGUOUS_DATE";
    public const string InvalidNumber = "INVALID_NUMBER";
    public const string InvalidLabValue = "INVALID_LAB_VALUE";
    public const string InvalidSex = "INVALID_SEX";
    public const string InvalidBoolean = "INVALID_YES_NO";
    public const string InvalidClinicalType = "INVALID_CLINICAL_TYPE";
    public const string EndBeforeStart = "END_BEFORE_START";
    public const string SiteMismatch = "SITE_MISMATCH";
    public const string FieldCount = "FIELD_COUNT";
    public const string InvalidRecord = "INVALID_RECORD";

    // Rows kept but not used by any criterion, and warnings on used rows.
    public const string TestNotRecognised = "TEST_NOT_RECOGNISED";
    public const string RecordNotRelevant = "RECORD_NOT_RELEVANT";
    public const string UnitNotRecognised = "UNIT_NOT_RECOGNISED";
    public const string DrugNotRecognised = "DRUG_NOT_RECOGNISED";
}
