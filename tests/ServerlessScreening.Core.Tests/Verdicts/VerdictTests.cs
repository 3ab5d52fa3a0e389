using Microsoft.Extensions.Time.Testing;
using NJsonSchema;
using ServerlessScreening.Facts;
using ServerlessScreening.Protocols;
using ServerlessScreening.Tests.Protocols;
using ServerlessScreening.Verdicts;
using ServerlessScreening.Vocabulary;
using static ServerlessScreening.Tests.Protocols.PatientBuilder;

namespace ServerlessScreening.Tests.Verdicts;

public sealed class VerdictTests
{
    [Theory]
    [InlineData(new[] { CriterionStatus.Pass, CriterionStatus.Confirm, CriterionStatus.Unknown, CriterionStatus.Fail }, Outcomes.Ineligible)]
    [InlineData(new[] { CriterionStatus.Pass, CriterionStatus.Confirm, CriterionStatus.Unknown }, Outcomes.NeedsReview)]
    [InlineData(new[] { CriterionStatus.Pass, CriterionStatus.Confirm }, Outcomes.PotentiallyEligible)]
    [InlineData(new[] { CriterionStatus.Pass, CriterionStatus.Pass }, Outcomes.Eligible)]
    public void Outcome_follows_the_order_fail_unknown_confirm(CriterionStatus[] statuses, string expected) =>
        Assert.Equal(expected, Outcomes.Of(statuses));

    [Fact]
    public void Every_criterion_of_the_protocol_appears_once_in_protocol_order()
    {
        var verdict = new PatientBuilder().Woman().Verdict();

        Assert.Equal(PatientBuilder.Protocol.Criteria.Select(c => c.Id), verdict.Criteria.Select(c => c.Id));
    }

    public static TheoryData<string> Patients() => ["nothing", "covered woman", "covered man", "covered woman with negative tests"];

    /// <summary>CRITERIA.md: every fail and pass carries its evidence; every unknown says what data would decide it (and a confirm what the site must confirm).</summary>
    [Theory]
    [MemberData(nameof(Patients))]
    public void Every_pass_and_fail_carries_evidence_and_every_unknown_and_confirm_says_what_would_decide_it(string patient)
    {
        var builder = new PatientBuilder();
        _ = patient switch
        {
            "nothing" => builder,
            "covered woman" => Covered(builder.Woman()),
            "covered man" => Covered(builder.Man()),
            _ => Covered(builder.Woman()).Lab("urine-hcg", PatientBuilder.DaysBefore(2), Qualitative.Negative).Lab("serum-hcg", PatientBuilder.DaysBefore(2), 1m, "mIU/mL")
                .Lab("hbsag", PatientBuilder.DaysBefore(200), Qualitative.Negative).Attest("LACTATING", "no"),
        };

        foreach (var criterion in builder.Verdict().Criteria)
        {
            if (criterion.Status is CriterionStatus.Pass or CriterionStatus.Fail)
            {
                Assert.True(criterion.Evidence.Count > 0, $"{criterion.Id} {criterion.Status} has no evidence: {criterion.Reason}");
                Assert.All(criterion.Evidence, e => Assert.True(e.Line >= 1 && e.Source.Length > 0, criterion.Id));
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(criterion.Needs), $"{criterion.Id} {criterion.Status} does not say what would decide it: {criterion.Reason}");
            }
        }

        static PatientBuilder Covered(PatientBuilder patient)
        {
            foreach (var category in RecordCategories.All)
            {
                patient.Covered(category, PatientBuilder.DaysBefore(800), PatientBuilder.Screening);
            }

            return patient;
        }
    }

    [Fact]
    public void A_fifteen_year_old_is_ineligible()
    {
        var verdict = new PatientBuilder().Demographics(Sex.Male, Screening.AddYears(-15)).Lab("upcr", DaysBefore(5), 2m, "g/g").Verdict();

        Assert.Equal(Outcomes.Ineligible, verdict.Outcome);
    }

    [Fact]
    public void Eligible_is_reached_only_with_site_confirmation_of_every_confirm_criterion()
    {
        var patient = EligibleCandidate();
        Assert.Equal(Outcomes.PotentiallyEligible, patient.Verdict().Outcome);

        foreach (var id in new[] { "EXC04", "EXC05", "EXC06", "EXC07", "EXC08", "EXC09" })
        {
            patient.Attest(id, "pass");
        }

        var verdict = patient.Verdict();
        Assert.Equal(Outcomes.Eligible, verdict.Outcome);
        Assert.All(verdict.Criteria, c => Assert.Equal(CriterionStatus.Pass, c.Status));
    }

    [Fact]
    public void The_same_inputs_give_the_same_bytes_apart_from_evaluatedAt()
    {
        var record = EligibleCandidate().Record();
        var first = Evaluate(record, new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero));
        var second = Evaluate(record with { Labs = record.Labs.Reverse().ToList() }, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.NotEqual(ContractJson.Serialize(first), ContractJson.Serialize(second));
        Assert.Equal(ContractJson.Serialize(first with { EvaluatedAt = default }), ContractJson.Serialize(second with { EvaluatedAt = default }));
        Assert.Equal(ContractJson.ContentDigest(first), ContractJson.ContentDigest(second));
    }

    [Fact]
    public void One_serialization_gives_the_verdict_bytes_and_the_content_digest()
    {
        var record = EligibleCandidate().Record();
        var verdicts = new[]
        {
            Evaluate(record, new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero)),
            Evaluate(record, new DateTimeOffset(2026, 12, 2, 4, 20, 15, 123, TimeSpan.FromHours(8)).AddTicks(4567)),
            new PatientBuilder().Man().MedicationsCovered().Medication("rituximab", DaysBefore(5), DaysBefore(5)).Verdict(),
            new PatientBuilder().Woman().Lab("urine-hcg", DaysBefore(2), Qualitative.Positive).Verdict(),
        };
        foreach (var verdict in verdicts)
        {
            var (utf8, digest) = ContractJson.SerializeWithDigest(verdict);

            Assert.Equal(ContractJson.SerializeToUtf8(verdict), utf8);
            Assert.Equal(ContractJson.ContentDigest(verdict), digest);
        }

        // A text that mentions evaluatedAt inside a value changes neither.
        var mentioning = verdicts[0] with { Criteria = [verdicts[0].Criteria[0] with { Reason = "\"evaluatedAt\": \"2030-01-01\"" }, .. verdicts[0].Criteria.Skip(1)] };
        Assert.Equal(ContractJson.ContentDigest(mentioning), ContractJson.SerializeWithDigest(mentioning).Digest);
        Assert.NotEqual(ContractJson.ContentDigest(verdicts[0]), ContractJson.ContentDigest(mentioning));
    }

    [Fact]
    public void Shards_merged_in_any_order_give_the_same_record()
    {
        var a = new PatientShard { SiteId = "s", PatientId = "p", Upload = "uploads/s/a.csv", Labs = [Lab("uploads/s/a.csv", 3)] };
        var b = new PatientShard { SiteId = "s", PatientId = "p", Upload = "uploads/s/b.csv", Labs = [Lab("uploads/s/b.csv", 2)] };
        var inputA = new InputRef("uploads/s/a.csv", new string('a', 64));
        var inputB = new InputRef("uploads/s/b.csv", new string('b', 64));

        var forward = PatientRecord.FromShards("s", "p", [(a, inputA), (b, inputB)], [], [inputA, inputB]);
        var backward = PatientRecord.FromShards("s", "p", [(b, inputB), (a, inputA)], [], [inputB, inputA]);

        Assert.Equal(ContractJson.Serialize(forward), ContractJson.Serialize(backward));
    }

    [Fact]
    public void A_record_lists_facts_by_source_and_line_and_keeps_facts_of_one_line_in_their_order()
    {
        const string Blob = "uploads/s/a.ndjson";
        var shard = new PatientShard
        {
            SiteId = "s",
            PatientId = "p",
            Upload = Blob,
            Labs = [Lab(Blob, 5), Lab(Blob, 3) with { TestId = "wbc" }, Lab(Blob, 3) with { TestId = "c3" }, Lab(Blob, 4)],
        };
        var input = new InputRef(Blob, new string('a', 64));

        var record = PatientRecord.FromShards("s", "p", [(shard, input)], [], [input]);

        Assert.Equal([(3, "wbc"), (3, "c3"), (4, "upcr"), (5, "upcr")], record.Labs.Select(l => (l.Source.Line, l.TestId)));

        // Already in order: listed as they are.
        var ordered = PatientRecord.FromShards("s", "p", [(shard with { Labs = [.. record.Labs] }, input)], [], [input]);
        Assert.Equal(record.Labs, ordered.Labs);
    }

    [Fact]
    public void Parts_and_uploads_given_in_any_order_are_listed_by_upload_then_line()
    {
        const string A = "uploads/s/a.csv";
        const string B = "uploads/s/b.csv";
        var inputA = new InputRef(A, new string('a', 64));
        var inputB = new InputRef(B, new string('b', 64));
        var bPart0 = new PatientShard { SiteId = "s", PatientId = "p", Upload = B, Part = 0, Labs = [Lab(B, 2), Lab(B, 3)] };
        var bPart1 = new PatientShard { SiteId = "s", PatientId = "p", Upload = B, Part = 1, Labs = [Lab(B, 5), Lab(B, 6)] };
        var a = new PatientShard { SiteId = "s", PatientId = "p", Upload = A, Labs = [Lab(A, 9)] };

        var record = PatientRecord.FromShards("s", "p", [(bPart1, inputB), (a, inputA), (bPart0, inputB)], [], [inputA, inputB]);

        Assert.Equal([(A, 9), (B, 2), (B, 3), (B, 5), (B, 6)], record.Labs.Select(l => (l.Source.Blob, l.Source.Line)));
    }

    [Fact]
    public void A_copy_of_an_upload_under_another_name_is_cited_under_its_canonical_name()
    {
        var copy = new PatientShard { SiteId = "s", PatientId = "p", Upload = "uploads/s/z-copy.csv", Labs = [Lab("uploads/s/z-copy.csv", 2)] };

        var record = PatientRecord.FromShards("s", "p", [(copy, new InputRef("uploads/s/a.csv", new string('a', 64)))], [], []);

        Assert.Equal("uploads/s/a.csv", Assert.Single(record.Labs).Source.Blob);
    }

    [Fact]
    public async Task Verdicts_validate_against_the_published_schema()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(TestPaths.Repository, "schemas", "verdict.schema.json"));
        var verdicts = new[]
        {
            EligibleCandidate().Verdict(),
            new PatientBuilder().Woman().Verdict(),
            new PatientBuilder().Man().MedicationsCovered().Medication("rituximab", DaysBefore(5), DaysBefore(5)).Verdict(),
        };

        foreach (var verdict in verdicts)
        {
            var errors = schema.Validate(ContractJson.Serialize(verdict));
            Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
        }
    }

    [Fact]
    public async Task The_schema_rejects_a_verdict_without_criteria()
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(TestPaths.Repository, "schemas", "verdict.schema.json"));
        var broken = new PatientBuilder().Woman().Verdict() with { Criteria = [] };

        Assert.NotEmpty(schema.Validate(ContractJson.Serialize(broken)));
    }

    internal static PatientBuilder EligibleCandidate() =>
        new PatientBuilder().Woman()
            .MedicationsCovered()
            .Medication("mycophenolate mofetil", DaysBefore(300), dose: 1000m, frequency: "BID")
            .Lab("upcr", DaysBefore(10), 1.42m, "g/g")
            .Lab("urine-hcg", DaysBefore(4), Qualitative.Negative)
            .Lab("serum-hcg", DaysBefore(4), 1.0m, "mIU/mL")
            .Assessment("SLEDAI-2K", "10", DaysBefore(3))
            .Assessment("ACR1997-COUNT", "5", DaysBefore(3))
            .Attest("CONSENT", "yes")
            .Attest("CONTRACEPTION", "yes")
            .Attest("LACTATING", "no");

    private static Verdict Evaluate(PatientRecord record, DateTimeOffset at) =>
        new ScreeningEngine(PatientBuilder.Protocol, LabCatalog.Default, DrugCatalog.Default, new FakeTimeProvider(at)).Evaluate(record, new ScreeningDefaults(Screening));

    private static LabResult Lab(string blob, int line) => new()
    {
        TestId = "upcr",
        CollectedAt = Timestamp.OfDate(DaysBefore(3)),
        Value = LabValue.Of(1.2m),
        Unit = "g/g",
        Source = new SourceRef(blob, line),
    };
}
