using System.Globalization;
using System.Text;

namespace ServerlessScreening.Pipeline.Storage;

/// <summary>
/// Every container, queue and blob name the pipeline uses. Names are deterministic functions of site, patient and
/// upload, so a retried or duplicated operation writes the same blob rather than a new one.
/// </summary>
public static class StorageLayout
{
    public const string ConnectionName = "ScreeningStorage";

    public const string UploadsContainer = "uploads";
    public const string FactsContainer = "facts";
    public const string StateContainer = "state";
    public const string ReportsContainer = "reports";
    public const string VerdictsContainer = "verdicts";
    public const string VerdictHistoryContainer = "verdict-history";
    public const string QuarantineContainer = "quarantine";
    public const string ConfigContainer = "config";

    /// <summary>Patients waiting for evaluation. Messages are small JSON work items, base64-encoded as the queue trigger expects.</summary>
    public const string EvaluateQueue = "evaluate";

    /// <summary>Uploads to read again (a manifest changed how to read them, or an operator replays them).</summary>
    public const string IngestQueue = "ingest-requests";

    /// <summary>Sites whose screening report is to be rebuilt once their pending evaluations are done.</summary>
    public const string SiteReportQueue = "site-reports";

    public const string UploadTriggerPath = UploadsContainer + "/{siteId}/{name}";

    public static readonly IReadOnlyList<string> Containers =
        [UploadsContainer, FactsContainer, StateContainer, ReportsContainer, VerdictsContainer, VerdictHistoryContainer, QuarantineContainer, ConfigContainer];

    public static readonly IReadOnlyList<string> Queues = [EvaluateQueue, IngestQueue, SiteReportQueue];

    /// <summary>
    /// A patient id as one blob-name segment: ids made of letters, digits, '.', '_' and '-' stay as they are (so the
    /// verdict of P0001 is <c>P0001.json</c>, as OUTPUTS.md shows); any other character becomes <c>~XX</c> (UTF-8 hex).
    /// </summary>
    public static string PatientKey(string patientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        if (patientId is not ("." or "..") && patientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return patientId;
        }

        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(patientId))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('~').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>The inverse of <see cref="PatientKey"/>.</summary>
    public static string PatientIdOf(string patientKey)
    {
        ArgumentNullException.ThrowIfNull(patientKey);
        if (!patientKey.Contains('~', StringComparison.Ordinal))
        {
            return patientKey;
        }

        var bytes = new List<byte>();
        for (var i = 0; i < patientKey.Length; i++)
        {
            if (patientKey[i] == '~' && i + 2 < patientKey.Length)
            {
                bytes.Add(Convert.ToByte(patientKey.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)patientKey[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The site of an upload: the first segment of its name inside the uploads container; null for a blob outside any site folder.</summary>
    public static string? SiteOf(string uploadName)
    {
        var slash = uploadName.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == uploadName.Length - 1 ? null : uploadName[..slash];
    }

    public static string QualifiedUpload(string uploadName) => $"{UploadsContainer}/{uploadName}";

    public static bool IsManifest(string uploadName) =>
        uploadName.EndsWith("/manifest.json", StringComparison.OrdinalIgnoreCase) || uploadName.EndsWith(".manifest.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The folder manifest and the file manifest that may apply to an upload (INPUTS.md, "Coverage").</summary>
    public static (string Folder, string File) ManifestsFor(string uploadName)
    {
        var slash = uploadName.LastIndexOf('/');
        return (uploadName[..(slash + 1)] + "manifest.json", uploadName + ".manifest.json");
    }

    public static string FactsPrefix(string siteId, string patientId) => $"{siteId}/{PatientKey(patientId)}/";

    public static string FactsBlob(string siteId, string patientId, string shardKey, int part) =>
        $"{FactsPrefix(siteId, patientId)}{shardKey}/{part:D6}.json";

    public static string CatalogBlob(string siteId) => $"{siteId}/catalog.json";

    public static string PendingPrefix(string siteId) => $"{siteId}/pending/";

    public static string PendingBlob(string siteId, string patientId) => PendingPrefix(siteId) + PatientKey(patientId);

    public static string ReportBlob(string uploadName) => uploadName + ".report.json";

    /// <summary>Whether a name in the reports container is an upload's ingestion report (and not a site's screening report).</summary>
    public static bool IsUploadReport(string reportName) => reportName.EndsWith(".report.json", StringComparison.Ordinal);

    /// <summary>
    /// The site's screening report (OUTPUTS.md, "Reports") beside its ingestion reports, so the site reads it as it
    /// reads them. No upload's report can take the name: those end in <c>.report.json</c>.
    /// </summary>
    public static string SiteReportBlob(string siteId) => $"{siteId}/screening-report.json";

    public static string SiteReportMarkdownBlob(string siteId) => $"{siteId}/screening-report.md";

    public static string VerdictBlob(string siteId, string patientId) => $"{siteId}/{PatientKey(patientId)}.json";

    /// <summary>One blob per verdict version; names sort in version order and are the same on every retry.</summary>
    public static string VerdictHistoryBlob(string siteId, string patientId, int version, string digest) =>
        FormattableString.Invariant($"{VerdictHistoryPrefix(siteId, patientId)}{version:D6}-{digest[..16]}.json");

    public static string VerdictHistoryPrefix(string siteId, string patientId) => $"{siteId}/{PatientKey(patientId)}/";

    /// <summary>The version a <see cref="VerdictHistoryBlob"/> name records; null for a name of another form.</summary>
    public static int? VerdictHistoryVersion(string historyBlob)
    {
        ArgumentNullException.ThrowIfNull(historyBlob);
        var file = historyBlob[(historyBlob.LastIndexOf('/') + 1)..];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(file.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;
    }

    public static string ProfileBlob(string siteId) => $"sites/{siteId}/profile.json";
}
