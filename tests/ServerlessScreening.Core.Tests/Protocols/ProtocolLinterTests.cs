using System.Text.RegularExpressions;
using ServerlessScreening.Protocols;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Protocols;

public sealed partial class ProtocolLinterTests
{
    /// <summary>The criterion ids of the trial, read from the contract itself: the tables of CRITERIA.md.</summary>
    private static List<string> TrialCriteria()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.Shared, "trial", "CRITERIA.md"));
        return CriterionRow().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();
    }

    [Fact]
    public void The_contract_lists_seventeen_criteria() => Assert.Equal(17, TrialCriteria().Count);

    [Fact]
    public void The_lupus_nephritis_protocol_is_clean_and_complete()
    {
        var protocol = ProtocolDefinition.LoadFile(TestPaths.Protocol);

        var problems = ProtocolLinter.Lint(protocol, LabCatalog.Default, DrugCatalog.Default, TrialCriteria());

        Assert.Empty(problems);
        Assert.All(protocol.Criteria, c => Assert.False(string.IsNullOrWhiteSpace(c.Reading)));
    }

    [Theory]
    [InlineData("\"tests\": [\"upcr\", \"urine-protein-24h\"]", "\"tests\": [\"upcr\", \"urine-protien-24h\"]", "urine-protien-24h")]
    [InlineData("\"classes\": [\"b-cell-depleting\"]", "\"classes\": [\"b-cell-depletion\"]", "b-cell-depletion")]
    [InlineData("\"daysBefore\": 168, \"label\": \"24 weeks\"", "\"daysBefore\": -168, \"label\": \"24 weeks\"", "negative")]
    [InlineData("\"codes\": [\"232717009\", \"80146002\", \"11466000\"]", "\"codes\": []", "empty")]
    [InlineData("\"minYears\": 19, \"maxYears\": 65", "\"minYears\": 66, \"maxYears\": 65", "impossible")]
    public void The_linter_rejects_broken_content(string original, string broken, string expected)
    {
        var text = File.ReadAllText(TestPaths.Protocol);
        Assert.Contains(original, text, StringComparison.Ordinal);
        var protocol = ProtocolDefinition.Load(System.Text.Encoding.UTF8.GetBytes(text.Replace(original, broken, StringComparison.Ordinal)));

        var problems = ProtocolLinter.Lint(protocol, LabCatalog.Default, DrugCatalog.Default);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_linter_rejects_a_missing_criterion()
    {
        var protocol = ProtocolDefinition.LoadFile(TestPaths.Protocol);
        var without = protocol with { Criteria = protocol.Criteria.Where(c => c.Id != "EXC07").ToList() };

        var problems = ProtocolLinter.Lint(without, LabCatalog.Default, DrugCatalog.Default, TrialCriteria());

        Assert.Contains("EXC07: required criterion is missing", problems);
    }

    [Theory]
    [InlineData("\"type\": \"age\"", "\"type\": \"agee\"")]
    [InlineData("\"minYears\": 19", "\"minYears\": 19, \"minMonths\": 3")]
    public void Unknown_rule_types_and_members_fail_to_load(string original, string broken)
    {
        var text = File.ReadAllText(TestPaths.Protocol).Replace(original, broken, StringComparison.Ordinal);

        Assert.ThrowsAny<Newtonsoft.Json.JsonException>(() => ProtocolDefinition.Load(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public async Task Every_protocol_file_validates_against_the_format_schema()
    {
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(TestPaths.Repository, "protocols", "protocol.schema.json"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.Repository, "protocols"), "*.protocol.json"))
        {
            var errors = schema.Validate(await File.ReadAllTextAsync(file));
            Assert.True(errors.Count == 0, file + ": " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
        }
    }

    [Fact]
    public async Task The_format_schema_rejects_an_unknown_rule_type()
    {
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(TestPaths.Repository, "protocols", "protocol.schema.json"));
        var broken = (await File.ReadAllTextAsync(TestPaths.Protocol)).Replace("\"type\": \"age\"", "\"type\": \"agee\"", StringComparison.Ordinal);

        Assert.NotEmpty(schema.Validate(broken));
    }

    [Fact]
    public void The_protocol_hash_is_of_the_file_bytes()
    {
        var bytes = File.ReadAllBytes(TestPaths.Protocol);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), ProtocolDefinition.Load(bytes).Sha256);
    }

    [GeneratedRegex(@"^\| (INC\d\d|EXC\d\d) \|", RegexOptions.Multiline)]
    private static partial Regex CriterionRow();
}
