using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>FHIR R4 bulk-data NDJSON, one resource per line: what each resource becomes, and how a record that cannot be used is reported.</summary>
public sealed class FhirNdjsonTests
{
    private const string Subject = "\"subject\":{\"reference\":\"Patient/p1\"}";

    private static Task<(IngestionOutcome Outcome, CsvIngestion Sink)> RunAsync(params string[] resources) =>
        CsvIngestion.RunAsync(string.Join("\n", resources) + "\n");

    private static string Observation(string status = "final", string value = "\"valueQuantity\":{\"value\":13.5,\"unit\":\"g/dL\"}", string? referenceRange = null, string loinc = "718-7") =>
        $$"""{"resourceType":"Observation","id":"o1","status":"{{status}}","code":{"coding":[{"system":"http://loinc.org","code":"{{loinc}}"}]},{{Subject}},"effectiveDateTime":"2025-03-01",{{value}}{{(referenceRange is null ? string.Empty : ",\"referenceRange\":[" + referenceRange + "]")}}}""";

    private static string MedicationRequest(string status) =>
        $$"""{"resourceType":"MedicationRequest","id":"m1","status":"{{status}}","intent":"order","medicationCodeableConcept":{"text":"prednisone"},{{Subject}},"authoredOn":"2025-03-01"}""";

    private static string MedicationStatement(string status) =>
        $$"""{"resourceType":"MedicationStatement","id":"s1","status":"{{status}}","medicationCodeableConcept":{"text":"prednisone"},{{Subject}},"effectiveDateTime":"2025-03-01"}""";

    private static string MedicationAdministration(string status) =>
        $$"""{"resourceType":"MedicationAdministration","id":"a1","status":"{{status}}","medicationCodeableConcept":{"text":"prednisone"},{{Subject}},"effectiveDateTime":"2025-03-01"}""";

    private static string Condition(string verificationStatus) =>
        $$"""{"resourceType":"Condition","id":"c1","verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"{{verificationStatus}}"}]},"code":{"coding":[{"system":"http://snomed.info/sct","code":"55464009","display":"Systemic lupus erythematosus"}]},{{Subject}},"onsetDateTime":"2025-03-01"}""";

    private static string Procedure(string status) =>
        $$"""{"resourceType":"Procedure","id":"r1","status":"{{status}}","code":{"text":"Biopsy of kidney"},{{Subject}},"performedDateTime":"2025-03-01"}""";

    private static string Immunization(string status) =>
        $$"""{"resourceType":"Immunization","id":"i1","status":"{{status}}","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03","display":"MMR"}]},"patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2025-03-01"}""";

    private static string Patient(string birthDate, string gender = "female") =>
        $$"""{"resourceType":"Patient","id":"p1","gender":"{{gender}}","birthDate":"{{birthDate}}"}""";

    public static TheoryData<string, string> RecordsThatDidNotHappen() => new()
    {
        { Observation("entered-in-error"), "Observation with status entered-in-error" },
        { Observation("cancelled"), "Observation with status cancelled" },
        { MedicationRequest("entered-in-error"), "MedicationRequest with status entered-in-error" },
        { MedicationRequest("cancelled"), "MedicationRequest with status cancelled" },
        { MedicationRequest("draft"), "MedicationRequest with status draft" },
        { MedicationStatement("entered-in-error"), "MedicationStatement with status entered-in-error" },
        { MedicationStatement("not-taken"), "MedicationStatement with status not-taken" },
        { MedicationAdministration("entered-in-error"), "MedicationAdministration with status entered-in-error" },
        { MedicationAdministration("not-done"), "MedicationAdministration with status not-done" },
        { Condition("refuted"), "Condition with verificationStatus refuted" },
        { Condition("entered-in-error"), "Condition with verificationStatus entered-in-error" },
        { Procedure("entered-in-error"), "Procedure with status entered-in-error" },
        { Procedure("not-done"), "Procedure with status not-done" },
        { Immunization("not-done"), "Immunization with status not-done" },
        { Immunization("entered-in-error"), "Immunization with status entered-in-error" },
    };

    [Theory]
    [MemberData(nameof(RecordsThatDidNotHappen))]
    public async Task A_record_whose_status_says_it_never_happened_or_was_withdrawn_is_ignored_with_the_resource_and_status(string resource, string reason)
    {
        var (outcome, sink) = await RunAsync(resource);

        Assert.Empty(sink.Shards);
        var ignored = Assert.Single(outcome.Report.Ignored);
        Assert.Equal((ErrorCodes.RecordNotRelevant, reason, 1, 1), (ignored.Code, ignored.What, ignored.Count, ignored.FirstLine));
        Assert.Equal((1, 0, 1, 0), (outcome.Report.RowsRead, outcome.Report.RowsUsed, outcome.Report.RowsIgnored, outcome.Report.RowsRejected));
    }

    public static TheoryData<string> RecordsThatHappened() =>
    [
        Observation("final"),
        Observation("preliminary"),
        Observation("amended"),
        Observation("corrected"),
        MedicationRequest("active"),
        MedicationRequest("stopped"),
        MedicationRequest("completed"),
        MedicationRequest("on-hold"),
        MedicationStatement("active"),
        MedicationStatement("stopped"),
        MedicationStatement("completed"),
        MedicationAdministration("completed"),
        MedicationAdministration("stopped"),
        Condition("confirmed"),
        Condition("provisional"),
        Condition("unconfirmed"),
        Procedure("completed"),
        Procedure("in-progress"),
    ];

    [Theory]
    [MemberData(nameof(RecordsThatHappened))]
    public async Task Every_other_status_is_evidence_as_before(string resource)
    {
        var (outcome, sink) = await RunAsync(resource);

        Assert.Equal((1, 1), (outcome.Report.RowsRead, outcome.Report.RowsUsed));
        Assert.Single(sink.Shards);
    }

    [Theory]
    [InlineData("""{"low":{"value":12,"unit":"g/dL"},"high":{"value":16,"unit":"g/dL"}}""", 120.0, 160.0)]
    [InlineData("""{"low":{"value":12,"unit":"g/dL"}}""", 120.0, null)]
    [InlineData("""{"high":{"value":16,"unit":"g/dL"}}""", null, 160.0)]
    [InlineData("""{"text":"see report"}""", null, null)]
    public async Task A_reference_range_keeps_whichever_bounds_it_has_in_the_canonical_unit(string range, double? low, double? high)
    {
        var (_, sink) = await RunAsync(Observation(referenceRange: range));

        var lab = Assert.Single(sink.Labs);
        Assert.Equal(("hemoglobin", "g/L", 135m), (lab.TestId, lab.Unit, lab.Value.Number));
        Assert.Equal(((decimal?)low, (decimal?)high), (lab.ReferenceLow, lab.ReferenceHigh));
    }

    [Theory]
    [InlineData("http://snomed.info/sct", "10828004", Qualitative.Positive)]
    [InlineData("http://snomed.info/sct", "260385009", Qualitative.Negative)]
    [InlineData("http://snomed.info/sct", "260373001", Qualitative.Positive)]
    [InlineData("http://snomed.info/sct", "260415000", Qualitative.Negative)]
    [InlineData("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS", Qualitative.Positive)]
    [InlineData("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG", Qualitative.Negative)]
    [InlineData("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "DET", Qualitative.Positive)]
    [InlineData("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "ND", Qualitative.Negative)]
    public async Task A_coded_result_without_text_is_read_by_its_code_as_qualitative(string system, string code, Qualitative expected)
    {
        var (outcome, sink) = await RunAsync(Observation(loinc: "5195-3", value: "\"valueCodeableConcept\":" + $$"""{"coding":[{"system":"{{system}}","code":"{{code}}"}]}"""));

        var lab = Assert.Single(sink.Labs);
        Assert.Equal(("hbsag", LabValueKind.Qualitative, expected), (lab.TestId, lab.Value.Kind, lab.Value.Result));
        Assert.Null(lab.Value.Number);
        Assert.Empty(outcome.Report.Rejections);
    }

    [Theory]
    [InlineData("""{"text":"Not detected"}""", Qualitative.Negative)]
    [InlineData("""{"coding":[{"system":"http://snomed.info/sct","code":"10828004","display":"Positive"}]}""", Qualitative.Positive)]
    [InlineData("""{"coding":[{"system":"http://example.org/lab","code":"R1","display":"Reactive"}]}""", Qualitative.Positive)]
    public async Task A_coded_result_with_text_or_display_is_read_from_it(string concept, Qualitative expected)
    {
        var (_, sink) = await RunAsync(Observation(loinc: "5195-3", value: "\"valueCodeableConcept\":" + concept));

        Assert.Equal(expected, Assert.Single(sink.Labs).Value.Result);
    }

    [Theory]
    [InlineData("""{"coding":[{"system":"http://snomed.info/sct","code":"419984006"}]}""", ErrorCodes.InvalidLabValue, "419984006")]
    [InlineData("""{"coding":[{"system":"http://example.org/lab","code":"12"}]}""", ErrorCodes.InvalidLabValue, "12")]
    [InlineData("""{"coding":[{"code":"5"}]}""", ErrorCodes.InvalidLabValue, "5")]
    [InlineData("""{"text":"7.5"}""", ErrorCodes.InvalidLabValue, "7.5")]
    [InlineData("""{"coding":[{"system":"http://snomed.info/sct"}]}""", ErrorCodes.MissingValue, "valueCodeableConcept")]
    public async Task A_coded_result_is_never_read_as_a_number_and_one_that_cannot_be_read_is_rejected_with_its_code(string concept, string code, string named)
    {
        var (outcome, sink) = await RunAsync(Observation(), Observation(loinc: "5195-3", value: "\"valueCodeableConcept\":" + concept));

        Assert.Single(sink.Labs);
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((2, "Observation.value[x]", code), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains(named, rejection.Message, StringComparison.Ordinal);
        Assert.Equal((2, 1, 1), (outcome.Report.RowsRead, outcome.Report.RowsUsed, outcome.Report.RowsRejected));
    }

    [Theory]
    [InlineData("1990-04")]
    [InlineData("1990")]
    public async Task A_partial_birth_date_is_rejected_as_a_field_and_the_rest_of_the_patient_is_kept(string birthDate)
    {
        var other = """{"resourceType":"Patient","id":"p0","gender":"male","birthDate":"1980-01-02"}""";

        var (outcome, sink) = await RunAsync(other, Patient(birthDate));

        var patient = Assert.Single(sink.Demographics, d => d.Source.Line == 2);
        Assert.Equal(Sex.Female, patient.Sex);
        Assert.Null(patient.BirthDate);
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((2, "Patient.birthDate", ErrorCodes.InvalidDate), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains(birthDate, rejection.Message, StringComparison.Ordinal);
        var report = outcome.Report;
        Assert.Equal((2, 2, 0, 0), (report.RowsRead, report.RowsUsed, report.RowsIgnored, report.RowsRejected));
        Assert.Equal(1, report.RejectionsByCode[ErrorCodes.InvalidDate]);
    }

    [Fact]
    public async Task A_full_birth_date_is_kept()
    {
        var (outcome, sink) = await RunAsync(Patient("1990-04-17"));

        Assert.Equal(new DateOnly(1990, 4, 17), Assert.Single(sink.Demographics).BirthDate);
        Assert.Empty(outcome.Report.Rejections);
    }

    [Fact]
    public async Task A_medication_given_only_by_an_atc_code_no_ingredient_lists_carries_the_class_the_code_proves()
    {
        var request = $$"""{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"J02AC04"}]},{{Subject}},"authoredOn":"2025-03-01"}""";

        var (outcome, sink) = await RunAsync(request);

        var medication = Assert.Single(sink.Shards.SelectMany(s => s.Medications));
        Assert.Contains("anti-infective", medication.Classes);
        Assert.Equal(1, outcome.Report.RowsUsed);
    }
}
