using Microsoft.Extensions.Logging;

namespace ServerlessScreening.Pipeline;

/// <summary>
/// Every log line the pipeline writes. Structured, and by construction free of patient identifiers and clinical
/// values: patients appear only as pseudonymous keys, uploads by name (site folder and file name, chosen by the site).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Ingested {Upload}: kind {Kind}, {RowsRead} rows read, {RowsUsed} used, {RowsIgnored} ignored, {RowsRejected} rejected, {Patients} patients")]
    public static partial void Ingested(ILogger logger, string upload, string? kind, int rowsRead, int rowsUsed, int rowsIgnored, int rowsRejected, int patients);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Quarantined {Upload}: {Code}")]
    public static partial void Quarantined(ILogger logger, string upload, string code);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Skipped {Upload}: already ingested with the same content and settings")]
    public static partial void AlreadyIngested(ILogger logger, string upload);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Manifest {Manifest} applied to {Uploads} uploads; {Reingest} to read again")]
    public static partial void ManifestApplied(ILogger logger, string manifest, int uploads, int reingest);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Upload {Upload} is not under a site folder and was quarantined")]
    public static partial void OutsideSite(ILogger logger, string upload);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Upload {Upload} no longer exists; nothing to ingest")]
    public static partial void UploadGone(ILogger logger, string upload);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Dropped the reading of {Upload}: the upload was replaced while it was read, and its newer version is ingested by its own trigger")]
    public static partial void Superseded(ILogger logger, string upload);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Evaluated {PatientKey} at {Site}: {Outcome} ({Changed})")]
    public static partial void Evaluated(ILogger logger, string patientKey, string site, string outcome, string changed);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "No committed facts for {PatientKey} at {Site}; nothing to evaluate")]
    public static partial void NothingToEvaluate(ILogger logger, string patientKey, string site);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Verdict of {PatientKey} at {Site} changed concurrently; evaluating again (attempt {Attempt})")]
    public static partial void VerdictRace(ILogger logger, string patientKey, string site, int attempt);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "No committed upload names {PatientKey} at {Site} any more; its verdict was withdrawn and stays in the history")]
    public static partial void Withdrawn(ILogger logger, string patientKey, string site);

    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "Wrote the screening report of {Site}: {Verdicts} verdicts, {Uploads} upload reports, {NeedsReview} patients to review")]
    public static partial void SiteReportWritten(ILogger logger, string site, int verdicts, int uploads, int needsReview);

    [LoggerMessage(EventId = 251, Level = LogLevel.Information, Message = "Screening report of {Site} deferred: an evaluation of the site is still pending")]
    public static partial void SiteReportDeferred(ILogger logger, string site);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Published result event {EventId} for {PatientKey} via {Transport}")]
    public static partial void Published(ILogger logger, string eventId, string patientKey, string transport);
}
