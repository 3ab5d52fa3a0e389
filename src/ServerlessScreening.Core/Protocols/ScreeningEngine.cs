using ServerlessScreening.Facts;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Protocols;

/// <summary>
/// Evaluates every criterion of a protocol over one patient's record. Pure and deterministic: the same record,
/// protocol and defaults give the same verdict apart from <see cref="Verdict.EvaluatedAt"/>, which comes from the
/// injected <see cref="TimeProvider"/> and from nowhere else.
/// </summary>
public sealed class ScreeningEngine(ProtocolDefinition protocol, LabCatalog labs, DrugCatalog drugs, TimeProvider time)
{
    public ProtocolDefinition Protocol { get; } = protocol;

    /// <summary>
    /// The record categories whose coverage can change a verdict under this protocol. A new coverage declaration for any
    /// other category cannot change anyone's verdict, so it causes no site-wide re-evaluation.
    /// </summary>
    public IReadOnlySet<string> CoverageCategories { get; } =
        protocol.Criteria.SelectMany(c => c.Rule.CoverageCategories()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The lab tests the protocol's rules read: only these are indexed for an evaluation.</summary>
    private readonly LabTestIndex _tests = LabTestIndex.Of(protocol.Criteria.SelectMany(c => c.Rule.LabTests()));

    private readonly ProtocolRef _protocolRef = new(protocol.Id, protocol.Version, protocol.Sha256);

    /// <summary>What the rules of this protocol see for one patient; <see cref="Evaluate"/> builds one per call.</summary>
    public EvaluationContext CreateContext(PatientRecord patient, ScreeningDefaults defaults) => new(patient, defaults, labs, drugs, _tests);

    public Verdict Evaluate(PatientRecord patient, ScreeningDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var context = CreateContext(patient, defaults);
        var criteria = new List<CriterionVerdict>(Protocol.Criteria.Count);
        foreach (var criterion in Protocol.Criteria)
        {
            var result = criterion.Rule.Evaluate(context);
            if (result.Status == CriterionStatus.Confirm)
            {
                result = SiteConfirmation(criterion, result, context);
            }

            criteria.Add(new CriterionVerdict
            {
                Id = criterion.Id,
                Kind = criterion.Kind,
                Status = result.Status,
                Reason = result.Reason,
                Evidence = Distinct(result.Evidence),
                Needs = result.Status is CriterionStatus.Unknown or CriterionStatus.Confirm ? result.Needs : null,
            });
        }

        return new Verdict
        {
            SiteId = patient.SiteId,
            PatientId = patient.PatientId,
            Protocol = _protocolRef,
            ScreeningDate = IsoDate.Format(context.ScreeningDate),
            ScreeningDateSource = context.ScreeningDateSource,
            Outcome = Outcomes.Of(criteria.Select(c => c.Status)),
            Criteria = criteria,
            Inputs = patient.Inputs.Select(i => new VerdictInput(i.Blob, i.Sha256)).ToList(),
            EvaluatedAt = time.GetUtcNow(),
        };
    }

    /// <summary>
    /// Each piece of evidence once, in order of first appearance (a result can support several parts of a criterion).
    /// Equality is the evidence record's own; comparing lines first only skips pairs that cannot be equal.
    /// </summary>
    private static IReadOnlyList<Evidence> Distinct(IReadOnlyList<Evidence> evidence)
    {
        if (evidence.Count > 16)
        {
            return evidence.Distinct(EvidenceByLine.Instance).ToList();
        }

        for (var i = 1; i < evidence.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (evidence[i].Line == evidence[j].Line && evidence[i].Equals(evidence[j]))
                {
                    return evidence.Distinct(EvidenceByLine.Instance).ToList();
                }
            }
        }

        return evidence;
    }

    /// <summary>The evidence record's equality, hashed by line alone, which is cheap and agrees with it.</summary>
    private sealed class EvidenceByLine : IEqualityComparer<Evidence>
    {
        public static readonly EvidenceByLine Instance = new();

        public bool Equals(Evidence? x, Evidence? y) => EqualityComparer<Evidence>.Default.Equals(x, y);

        public int GetHashCode(Evidence obj) => obj.Line;
    }

    /// <summary>
    /// A criterion the exports cannot decide is decided by the site's confirmation: an attestation whose code is the
    /// criterion id and whose value is <c>pass</c> or <c>fail</c> (the most recent wins). It settles only <c>confirm</c>;
    /// it never overrides what the data decided. This is what makes <c>eligible</c> reachable.
    /// </summary>
    private static Rules.RuleResult SiteConfirmation(CriterionDefinition criterion, Rules.RuleResult result, EvaluationContext context)
    {
        var attestation = Rules.ClinicalQuery.Latest(context.Patient.Clinical, ClinicalFactTypes.Attestation, criterion.Id);
        if (attestation is null)
        {
            return result;
        }

        var status = Text.Keys.Name(attestation.Value ?? string.Empty) switch
        {
            "pass" => CriterionStatus.Pass,
            "fail" => CriterionStatus.Fail,
            _ => (CriterionStatus?)null,
        };
        var evidence = result.Evidence.Append(EvidenceOf.Clinical(attestation, "site confirmation")).ToList();
        return status is null
            ? new Rules.RuleResult(CriterionStatus.Unknown, $"site confirmation of {criterion.Id} on {attestation.Date:yyyy-MM-dd} is '{attestation.Value}', not pass or fail", evidence, $"an attestation {criterion.Id} with value pass or fail")
            : new Rules.RuleResult(status.Value, $"site confirmed {Rules.StatusText.Of(status.Value)} on {IsoDate.Format(attestation.Date)} ({result.Reason})", evidence);
    }
}

/// <summary>
/// Checks a protocol's content before it is used: every criterion once, known kinds, a reading for reviewers,
/// and rules that name only tests and classes the vocabularies know, non-empty code sets and possible windows.
/// </summary>
public static class ProtocolLinter
{
    public static IReadOnlyList<string> Lint(ProtocolDefinition protocol, LabCatalog labs, DrugCatalog drugs, IReadOnlyCollection<string>? requiredCriteria = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var context = new Rules.LintContext(labs, drugs);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(protocol.Id) || string.IsNullOrWhiteSpace(protocol.Version))
        {
            problems.Add("the protocol needs an id and a version");
        }

        if (protocol.Criteria.Count == 0)
        {
            problems.Add("the protocol has no criteria");
        }

        foreach (var criterion in protocol.Criteria)
        {
            if (criterion.Kind is not (CriterionKinds.Inclusion or CriterionKinds.Exclusion))
            {
                problems.Add($"{criterion.Id}: kind '{criterion.Kind}' is not inclusion or exclusion");
            }

            if (string.IsNullOrWhiteSpace(criterion.Reading) || string.IsNullOrWhiteSpace(criterion.Text))
            {
                problems.Add($"{criterion.Id}: the criterion needs its text and its computable reading");
            }

            problems.AddRange(criterion.Rule.Lint(context).Select(p => $"{criterion.Id}: {p}"));
        }

        if (requiredCriteria is not null)
        {
            var defined = protocol.Criteria.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(requiredCriteria.Where(id => !defined.Contains(id)).Select(id => $"{id}: required criterion is missing"));
            problems.AddRange(defined.Where(id => !requiredCriteria.Contains(id)).Select(id => $"{id}: not a criterion of the trial"));
        }

        return problems;
    }
}
