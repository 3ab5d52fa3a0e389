using System.Globalization;
using System.Text;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Verdicts;

/// <summary>How often a criterion excluded (failed) or held up (unknown) patients at a site.</summary>
public sealed record CriterionTally(string Id, int Failed, int Unknown, int Confirm);

/// <summary>A patient that needs review and the criteria that need data.</summary>
public sealed record ReviewItem(string PatientId, IReadOnlyList<string> Criteria, string Reason);

/// <summary>
/// The per-site screening report a coordinator reads at a glance (OUTPUTS.md, "Reports"): outcomes, the criteria
/// that exclude most patients, the patients that need review and why, and how the uploads were read.
/// </summary>
public sealed record SiteReport
{
    public const string SchemaId = "screening.site-report/v1";

    public string Schema { get; init; } = SchemaId;

    public required string SiteId { get; init; }

    public required IReadOnlyDictionary<string, int> Outcomes { get; init; }

    public required IReadOnlyList<CriterionTally> Criteria { get; init; }

    public required IReadOnlyList<ReviewItem> NeedsReview { get; init; }

    public required IReadOnlyList<string> PotentiallyEligible { get; init; }

    public required int Uploads { get; init; }

    public required int RowsRead { get; init; }

    public required int RowsRejected { get; init; }

    public required IReadOnlyList<string> Quarantined { get; init; }

    public static SiteReport Build(string siteId, IReadOnlyCollection<Verdict> verdicts, IReadOnlyCollection<IngestionReport> reports)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(reports);
        var ordered = verdicts.OrderBy(v => v.PatientId, StringComparer.Ordinal).ToList();
        return new SiteReport
        {
            SiteId = siteId,
            Outcomes = Verdicts.Outcomes.All.ToDictionary(o => o, o => ordered.Count(v => v.Outcome == o), StringComparer.Ordinal),
            Criteria = ordered.SelectMany(v => v.Criteria)
                .GroupBy(c => c.Id, StringComparer.Ordinal)
                .Select(g => new CriterionTally(g.Key, g.Count(c => c.Status == CriterionStatus.Fail), g.Count(c => c.Status == CriterionStatus.Unknown), g.Count(c => c.Status == CriterionStatus.Confirm)))
                .OrderByDescending(t => t.Failed)
                .ThenByDescending(t => t.Unknown)
                .ThenBy(t => t.Id, StringComparer.Ordinal)
                .ToList(),
            NeedsReview = ordered.Where(v => v.Outcome == Verdicts.Outcomes.NeedsReview)
                .Select(v =>
                {
                    var unknown = v.Criteria.Where(c => c.Status == CriterionStatus.Unknown).ToList();
                    return new ReviewItem(v.PatientId, unknown.Select(c => c.Id).ToList(), string.Join("; ", unknown.Select(c => $"{c.Id}: {c.Needs ?? c.Reason}")));
                })
                .ToList(),
            PotentiallyEligible = ordered.Where(v => v.Outcome is Verdicts.Outcomes.PotentiallyEligible or Verdicts.Outcomes.Eligible).Select(v => v.PatientId).ToList(),
            Uploads = reports.Count,
            RowsRead = reports.Sum(r => r.RowsRead),
            RowsRejected = reports.Sum(r => r.RowsRejected),
            Quarantined = reports.Where(r => r.Status == UploadStatus.Quarantined).Select(r => r.Upload).Order(StringComparer.Ordinal).ToList(),
        };
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var total = Outcomes.Values.Sum();
        text.Append(CultureInfo.InvariantCulture, $"# Screening report: {SiteId}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{total} patients screened from {Uploads} uploads ({RowsRead} rows read, {RowsRejected} rejected).\n\n");
        text.Append("| outcome | patients |\n|---|---:|\n");
        foreach (var (outcome, count) in Outcomes)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {outcome} | {count} |\n");
        }

        text.Append("\n## Criteria that exclude or hold up most patients\n\n| criterion | fail | unknown | confirm |\n|---|---:|---:|---:|\n");
        foreach (var tally in Criteria.Where(t => t.Failed + t.Unknown > 0))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {tally.Id} | {tally.Failed} | {tally.Unknown} | {tally.Confirm} |\n");
        }

        if (PotentiallyEligible.Count > 0)
        {
            text.Append("\n## Potentially eligible (site confirmation needed)\n\n");
            foreach (var patient in PotentiallyEligible)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {patient}\n");
            }
        }

        text.Append("\n## Needs review\n\n");
        if (NeedsReview.Count == 0)
        {
            text.Append("None.\n");
        }

        foreach (var item in NeedsReview)
        {
            text.Append(CultureInfo.InvariantCulture, $"- **{item.PatientId}**: {item.Reason}\n");
        }

        if (Quarantined.Count > 0)
        {
            text.Append("\n## Quarantined uploads (not read; see their reports)\n\n");
            foreach (var upload in Quarantined)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {upload}\n");
            }
        }

        return text.ToString();
    }
}
