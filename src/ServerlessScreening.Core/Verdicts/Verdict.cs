using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace ServerlessScreening.Verdicts;

[JsonConverter(typeof(StringEnumConverter), typeof(Newtonsoft.Json.Serialization.CamelCaseNamingStrategy))]
public enum CriterionStatus
{
    Pass,
    Fail,
    Unknown,
    Confirm,
}

public static class Outcomes
{
    public const string Eligible = "eligible";
    public const string PotentiallyEligible = "potentially-eligible";
    public const string NeedsReview = "needs-review";
    public const string Ineligible = "ineligible";

    public static readonly IReadOnlyList<string> All = [Eligible, PotentiallyEligible, NeedsReview, Ineligible];

    /// <summary>CRITERIA.md: any fail → ineligible; else any unknown → needs-review; else any confirm → potentially-eligible; else eligible.</summary>
    public static string Of(IEnumerable<CriterionStatus> statuses)
    {
        var all = statuses.ToList();
        return all.Contains(CriterionStatus.Fail) ? Ineligible
            : all.Contains(CriterionStatus.Unknown) ? NeedsReview
            : all.Contains(CriterionStatus.Confirm) ? PotentiallyEligible
            : Eligible;
    }
}

/// <summary>One piece of evidence: the upload and line it came from and what it said.</summary>
public sealed record Evidence
{
    public required string Source { get; init; }

    public required int Line { get; init; }

    public string? Date { get; init; }

    public string? Code { get; init; }

    public string? Name { get; init; }

    /// <summary>A number (in <see cref="Unit"/>) or a text such as <c>positive</c> or <c>&lt;0.1</c>.</summary>
    public object? Value { get; init; }

    public string? Unit { get; init; }

    /// <summary>The value and unit as exported, when normalisation changed them or the unit was not recognised.</summary>
    public string? Raw { get; init; }

    /// <summary>The unit conversion applied to reach <see cref="Value"/> and <see cref="Unit"/>.</summary>
    public string? Conversion { get; init; }

    public string? Note { get; init; }
}

public sealed record CriterionVerdict
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public required CriterionStatus Status { get; init; }

    public required string Reason { get; init; }

    public IReadOnlyList<Evidence> Evidence { get; init; } = [];

    /// <summary>For <c>unknown</c> and <c>confirm</c>: what data or attestation would decide the criterion.</summary>
    public string? Needs { get; init; }
}

public sealed record ProtocolRef(string Id, string Version, string Sha256);

public sealed record VerdictInput(string Blob, string Sha256);

/// <summary>The verdict of one patient (OUTPUTS.md, "Verdicts").</summary>
public sealed record Verdict
{
    public const string SchemaId = "screening.verdict/v1";

    public string Schema { get; init; } = SchemaId;

    public required string SiteId { get; init; }

    public required string PatientId { get; init; }

    public required ProtocolRef Protocol { get; init; }

    public required string ScreeningDate { get; init; }

    /// <summary>Where the screening date came from: the patient's uploaded data, the site profile or the deployment default.</summary>
    public required string ScreeningDateSource { get; init; }

    public required string Outcome { get; init; }

    public required IReadOnlyList<CriterionVerdict> Criteria { get; init; }

    public required IReadOnlyList<VerdictInput> Inputs { get; init; }

    public required DateTimeOffset EvaluatedAt { get; init; }
}
