using System.Text;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Tests.Ingestion;

public sealed class CanonicalCsvTests
{
    private const string LabsHeader = "patient_id,collected_at,test_code,test_name,value,unit,reference_range\n";

    [Theory]
    [InlineData("P1,2025-13-01,2890-2,,1.2,g/g,", "collected_at", ErrorCodes.InvalidDate)]
    [InlineData("P1,03/04/2025,2890-2,,1.2,g/g,", "collected_at", ErrorCodes.AmbiguousDate)]
    [InlineData(",2025-03-01,2890-2,,1.2,g/g,", "patient_id", ErrorCodes.MissingValue)]
    [InlineData("P1,,2890-2,,1.2,g/g,", "collected_at", ErrorCodes.MissingValue)]
    [InlineData("P1,2025-03-01,2890-2,,abc,g/g,", "value", ErrorCodes.InvalidLabValue)]
    [InlineData("P1,2025-03-01,2890-2,,,g/g,", "value", ErrorCodes.MissingValue)]
    [InlineData("P1,2025-03-01,,,1.2,g/g,", "test_code", ErrorCodes.MissingValue)]
    [InlineData("P1,2025-03-01,2890-2,,1.2,g/g,,extra", "reference_range", ErrorCodes.FieldCount)] // the values run past the last column
    public async Task Lab_rows_are_rejected_with_line_column_and_code(string row, string? column, string code)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(LabsHeader + "P0,2025-03-01,2890-2,,1.1,g/g,\n" + row + "\n");

        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal(3, rejection.Line);
        Assert.Equal(column, rejection.Column);
        Assert.Equal(code, rejection.Code);
        Assert.Equal(2, outcome.Report.RowsRead);
        Assert.Equal(1, outcome.Report.RowsUsed);
        Assert.Single(sink.Labs);
    }

    // INPUTS.md: lab rows may carry "sex, birth_date — optional demographics, as in the patients kind". They are the
    // patient's, not the result's, so they are kept whatever becomes of the row's lab value, which is still ignored or
    // rejected with its own reason.
    [Theory]
    [InlineData("P1,2025-03-01,99999-9,Mystery test,1.2,g/g,,F,1990-05-01", ErrorCodes.TestNotRecognised, null)]
    [InlineData("P1,2025-03-01,2890-2,,abc,g/g,,F,1990-05-01", ErrorCodes.InvalidLabValue, "value")]
    [InlineData("P1,2025-03-01,2890-2,,,g/g,,F,1990-05-01", ErrorCodes.MissingValue, "value")]
    [InlineData("P1,,2890-2,,1.2,g/g,,F,1990-05-01", ErrorCodes.MissingValue, "collected_at")]
    [InlineData("P1,2025-03-01,,,1.2,g/g,,F,1990-05-01", ErrorCodes.MissingValue, "test_code")]
    public async Task Demographics_on_a_lab_row_are_kept_whatever_becomes_of_its_lab_value(string row, string code, string? rejectedColumn)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(LabsHeader.TrimEnd('\n') + ",sex,birth_date\n" + row + "\n");

        var demographics = Assert.Single(sink.Demographics);
        Assert.Equal((Sex.Female, new DateOnly(1990, 5, 1), 2), (demographics.Sex, demographics.BirthDate, demographics.Source.Line));
        Assert.Empty(sink.Labs);
        Assert.Equal(["P1"], outcome.Report.Patients);
        if (rejectedColumn is null)
        {
            Assert.Equal(code, Assert.Single(outcome.Report.Ignored).Code);
        }
        else
        {
            var rejection = Assert.Single(outcome.Report.Rejections);
            Assert.Equal((code, rejectedColumn), (rejection.Code, rejection.Column));
        }
    }

    [Fact]
    public async Task A_lab_row_with_an_invalid_sex_is_rejected_for_it_and_its_result_not_kept()
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(LabsHeader.TrimEnd('\n') + ",sex,birth_date\nP1,2025-03-01,2890-2,,1.2,g/g,,X,1990-05-01\n");

        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((ErrorCodes.InvalidSex, "sex"), (rejection.Code, rejection.Column));
        Assert.Empty(sink.Labs);
        Assert.Empty(sink.Demographics);
    }

    [Theory]
    [InlineData("patient_id,sex,birth_date\nP1,,\n", "sex, birth_date")]
    [InlineData("patient_id,性别,出生日期,consent_date\nP1,,,\n", "性别, 出生日期, consent_date")]
    [InlineData("patient_id,childbearing_potential\nP1,\n", "childbearing_potential")]
    public async Task A_patients_row_without_any_demographic_value_is_rejected_naming_the_empty_columns(string text, string columns)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((2, columns, ErrorCodes.MissingValue), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains(columns, rejection.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Demographics);
    }

    [Fact]
    public async Task Every_row_is_accounted_for()
    {
        var text = LabsHeader
            + "P1,2025-03-01,2890-2,,1.2,g/g,\n"
            + "P1,2025-03-01,2951-2,Sodium,140,mmol/L,\n"
            + "\n"
            + "P2,2025-02-30,2890-2,,1.2,g/g,\n"
            + "P2,2025-03-01,,UPCR,1.4,mg/dL,\n";

        var (outcome, _) = await CsvIngestion.RunAsync(text);
        var report = outcome.Report;

        Assert.Equal(4, report.RowsRead);
        Assert.Equal(report.RowsRead, report.RowsUsed + report.RowsIgnored + report.RowsRejected);
        Assert.Equal((2, 1, 1, 1), (report.RowsUsed, report.RowsIgnored, report.RowsRejected, report.BlankLines));
        Assert.Equal(ErrorCodes.TestNotRecognised, Assert.Single(report.Ignored).Code);
        Assert.Equal(ErrorCodes.UnitNotRecognised, Assert.Single(report.Warnings).Code);
        Assert.Equal(["P1", "P2"], report.Patients);
    }

    [Fact]
    public async Task Line_numbers_count_lines_inside_quoted_fields()
    {
        var text = LabsHeader + "P1,2025-03-01,2890-2,\"UPCR\nrandom urine\",1.2,g/g,\nP1,2025-03-02,2890-2,,oops,g/g,\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.Equal(2, Assert.Single(sink.Labs).Source.Line);
        Assert.Equal(4, Assert.Single(outcome.Report.Rejections).Line);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    public async Task Comma_semicolon_and_tab_delimiters(string delimiter)
    {
        var text = string.Join(delimiter, "patient_id", "collected_at", "test_code", "value", "unit") + "\r\n" + string.Join(delimiter, "P1", "2025-03-01", "2890-2", "1.5", "g/g") + "\r\n";

        var (_, sink) = await CsvIngestion.RunAsync(text);

        Assert.Equal(1.5m, Assert.Single(sink.Labs).Value.Number);
    }

    [Fact]
    public async Task Rfc4180_quoting_keeps_delimiters_and_quotes_inside_fields()
    {
        var text = "patient_id,drug_name,dose,dose_unit,start_date\nP1,\"Mycophenolate mofetil, 500 \"\"MG\"\" tablet\",500,mg,2025-01-01\n";

        var (_, sink) = await CsvIngestion.RunAsync(text);

        var medication = Assert.Single(sink.Medications);
        Assert.Equal("Mycophenolate mofetil, 500 \"MG\" tablet", medication.DrugName);
        Assert.Equal("mycophenolate-mofetil", medication.Ingredient);
    }

    [Fact]
    public async Task Units_are_converted_and_the_conversion_recorded()
    {
        var (_, sink) = await CsvIngestion.RunAsync(LabsHeader + "P1,2025-03-01,2890-2,,226.24,mg/mmol,\n");

        var lab = Assert.Single(sink.Labs);
        Assert.Equal(2.0m, lab.Value.Number);
        Assert.Equal("g/g", lab.Unit);
        Assert.Equal("226.24", lab.RawValue);
        Assert.Equal("mg/mmol", lab.RawUnit);
        Assert.Contains("113.12", lab.Conversion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_unit_is_never_guessed()
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(LabsHeader + "P1,2025-03-01,2890-2,,1.5,furlongs,\n");

        var lab = Assert.Single(sink.Labs);
        Assert.False(lab.UnitRecognized);
        Assert.Equal("furlongs", lab.Unit);
        Assert.Equal(1.5m, lab.Value.Number);
        Assert.Contains("furlongs", Assert.Single(outcome.Report.Warnings).What, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("阳性", Qualitative.Positive)]
    [InlineData("阴性", Qualitative.Negative)]
    [InlineData("++", Qualitative.Positive)]
    [InlineData("-", Qualitative.Negative)]
    [InlineData("Not Detected", Qualitative.Negative)]
    [InlineData("±", Qualitative.Equivocal)]
    [InlineData("Urine protein test = ++ (finding)", Qualitative.Positive)]
    [InlineData("Urine leukocyte test negative (finding)", Qualitative.Negative)]
    [InlineData("Urine microscopy: no casts (finding)", Qualitative.Negative)]
    public async Task Qualitative_results(string value, Qualitative expected)
    {
        var (_, sink) = await CsvIngestion.RunAsync(LabsHeader + $"P1,2025-03-01,2106-3,,{value},,\n");

        Assert.Equal(expected, Assert.Single(sink.Labs).Value.Result);
    }

    [Theory]
    [InlineData("LOINC")]
    [InlineData("http://loinc.org")]
    [InlineData("LN")]
    [InlineData("ln")]
    public async Task A_test_code_is_read_as_LOINC_under_each_name_of_the_code_system(string codeSystem)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync($"patient_id,collected_at,test_code,code_system,value,unit\nP1,2025-03-01,2160-0,{codeSystem},1.1,mg/dL\n");

        Assert.Equal("serum-creatinine", Assert.Single(sink.Labs).TestId);
        Assert.Empty(outcome.Report.Ignored);
    }

    [Theory]
    [InlineData("<5", "<", 5)]
    [InlineData(">= 1000", ">=", 1000)]
    [InlineData("＜0.1", "<", 0.1)]
    public async Task Censored_values(string value, string comparator, double number)
    {
        var (_, sink) = await CsvIngestion.RunAsync(LabsHeader + $"P1,2025-03-01,21198-7,,{value},mIU/mL,\n");

        var lab = Assert.Single(sink.Labs);
        Assert.Equal(LabValueKind.Censored, lab.Value.Kind);
        Assert.Equal(comparator, lab.Value.Comparator);
        Assert.Equal((decimal)number, lab.Value.Number);
    }

    [Fact]
    public async Task Chinese_headers_and_test_names_in_GB18030_are_read_without_being_told()
    {
        var text = "病历号,采样时间,项目名称,结果,单位\nP7,2025/05/18 09:10,尿蛋白/肌酐比值,1.8,g/g\nP7,2025/05/18,尿妊娠试验,阴性,\n";
        var (outcome, sink) = await CsvIngestion.RunAsync(TextDecoding.Gb18030.GetBytes(text));

        Assert.Equal("gb18030", outcome.Report.Encoding);
        Assert.Equal(["upcr", "urine-hcg"], sink.Labs.Select(l => l.TestId));
        Assert.Equal(new TimeOnly(9, 10), sink.Labs.First().CollectedAt.Time);
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-8-bom")]
    public async Task Unicode_with_byte_order_marks(string encodingName)
    {
        var encoding = encodingName switch
        {
            "utf-16le" => (Encoding)new UnicodeEncoding(false, true),
            "utf-16be" => new UnicodeEncoding(true, true),
            _ => new UTF8Encoding(true),
        };
        var (outcome, sink) = await CsvIngestion.RunAsync("病历号\t采样时间\t项目代码\t结果\t单位\nP1\t2025-03-01\t2890-2\t1.2\tg/g\n", encoding: encoding);

        Assert.Equal(encodingName, outcome.Report.Encoding);
        Assert.Single(sink.Labs);
    }

    [Fact]
    public async Task A_row_claiming_another_site_is_rejected()
    {
        var (outcome, sink) = await CsvIngestion.RunAsync("patient_id,site_id,sex,birth_date\nP1,site-001,F,1990-01-01\nP2,site-999,M,1980-01-01\n");

        Assert.Single(sink.Demographics);
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal(ErrorCodes.SiteMismatch, rejection.Code);
        Assert.Equal("site_id", rejection.Column);
    }

    [Theory]
    [InlineData("", ErrorCodes.FileEmpty)]
    [InlineData("name,address\nAlice,1 Main St\n", ErrorCodes.FileUnknownKind)]
    [InlineData("patient_id,collected_at,test_code,value,drug_name,start_date\nP1,2025-01-01,2890-2,1,x,2025-01-01\n", ErrorCodes.FileAmbiguousKind)]
    public async Task Files_that_cannot_be_read_are_quarantined_with_a_reason(string text, string code)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.True(outcome.Quarantine);
        Assert.Equal(UploadStatus.Quarantined, outcome.Report.Status);
        Assert.Equal(code, Assert.Single(outcome.Report.Rejections).Code);
        Assert.Empty(sink.Shards);
    }

    // INPUTS.md: "A row that cannot be used is rejected with its line number, column and reason … and the rest of the
    // file is still used." Malformed quoting rejects its own row; the rows after it are read as usual.
    [Theory]
    [InlineData("P1,2025-03-02,2890-2,\"bad\"x,1.3,g/g,", "test_name")]
    [InlineData("P1,2025-03-02,2890-2,UPCR,\"1.3\"5,g/g,", "value")] // lax reading alone would take 1.35
    [InlineData("P1,2025-03-02,2890-2,\"a \"\"quoted\"\" name\" ,1.3,g/g,", "test_name")]
    [InlineData("\"P1\"2,2025-03-02,2890-2,,1.3,g/g,", "patient_id")]
    public async Task Malformed_quoting_rejects_its_row_and_the_rows_after_it_are_used(string row, string column)
    {
        var text = LabsHeader + "P1,2025-03-01,2890-2,,1.2,g/g,\n" + row + "\nP1,2025-03-03,2890-2,,1.4,g/g,\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.Equal(UploadStatus.Ingested, outcome.Report.Status);
        Assert.Equal([2, 4], sink.Labs.Select(l => l.Source.Line));
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((3, column, ErrorCodes.FileMalformedCsv), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains("closing quote", rejection.Message, StringComparison.Ordinal);
        Assert.Equal((3, 2, 1), (outcome.Report.RowsRead, outcome.Report.RowsUsed, outcome.Report.RowsRejected));
    }

    [Fact]
    public async Task A_badly_quoted_first_row_is_rejected_and_the_file_is_not_quarantined()
    {
        // Creating the reader reads the first row too; strict reading failed there and the whole file was quarantined.
        var (outcome, sink) = await CsvIngestion.RunAsync(LabsHeader + "P1,2025-03-02,2890-2,\"bad\"x,1.3,g/g,\nP1,2025-03-03,2890-2,,1.4,g/g,\n");

        Assert.False(outcome.Quarantine);
        Assert.Equal(3, Assert.Single(sink.Labs).Source.Line);
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((2, "test_name", ErrorCodes.FileMalformedCsv), (rejection.Line, rejection.Column, rejection.Code));
    }

    [Fact]
    public async Task A_quote_left_open_until_a_later_quote_rejects_the_lines_it_spans_and_reading_goes_on()
    {
        var text = LabsHeader
            + "P1,2025-03-01,2890-2,,1.2,g/g,\n"
            + "P1,2025-03-02,2890-2,\"open,1.3,g/g,\n"
            + "P1,2025-03-03,2890-2,,1.4,g/g,\n"
            + "P1,2025-03-04,2890-2,x\"y,1.5,g/g,\n"
            + "P1,2025-03-05,2890-2,,1.6,g/g,\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.Equal(UploadStatus.Ingested, outcome.Report.Status);
        Assert.Equal([2, 6], sink.Labs.Select(l => l.Source.Line));
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((3, "test_name", ErrorCodes.FileMalformedCsv), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains("line 3 to line 5", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quote_that_never_closes_takes_the_rest_of_the_file_and_the_report_says_so()
    {
        var text = LabsHeader
            + "P1,2025-03-01,2890-2,,1.2,g/g,\n"
            + "P1,2025-03-02,2890-2,\"never closed,1.3,g/g,\n"
            + "P1,2025-03-03,2890-2,,1.4,g/g,\n"
            + "P1,2025-03-04,2890-2,,1.5,g/g,\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        Assert.False(outcome.Quarantine);
        Assert.Equal(UploadStatus.Partial, outcome.Report.Status);
        Assert.Equal(2, Assert.Single(sink.Labs).Source.Line);
        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal((3, "test_name", ErrorCodes.FileMalformedCsv), (rejection.Line, rejection.Column, rejection.Code));
        Assert.Contains("never closes", rejection.Message, StringComparison.Ordinal);
        Assert.Contains("lines 3 to 5", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declared_day_first_date_format_is_honoured()
    {
        var settings = ParseSettings.Default with { DateFormat = "dd/MM/yyyy" };

        var (_, sink) = await CsvIngestion.RunAsync(LabsHeader + "P1,03/04/2025,2890-2,,1.2,g/g,\n", settings);

        Assert.Equal(new DateOnly(2025, 4, 3), Assert.Single(sink.Labs).CollectedAt.Date);
    }

    [Fact]
    public async Task A_site_profile_adds_column_names_and_local_codes()
    {
        var profile = new SiteProfile
        {
            Columns = new() { ["patient_id"] = ["PatNo"], ["test_code"] = ["ItemCode"] },
            LocalTestCodes = new() { ["UPC01"] = "2890-2" },
            DecimalSeparator = ",",
        };
        var text = "PatNo;collected_at;ItemCode;value;unit\nP1;2025-03-01;UPC01;1,25;g/g\n";

        var (_, sink) = await CsvIngestion.RunAsync(text, ParseSettings.Default with { Profile = profile });

        var lab = Assert.Single(sink.Labs);
        Assert.Equal("upcr", lab.TestId);
        Assert.Equal(1.25m, lab.Value.Number);
    }

    [Fact]
    public async Task The_content_hash_covers_every_byte()
    {
        var bytes = Encoding.UTF8.GetBytes(LabsHeader + "P1,2025-03-01,2890-2,,1.2,g/g,\n");

        var (outcome, _) = await CsvIngestion.RunAsync(bytes);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), outcome.Report.Sha256);
        Assert.Equal(bytes.Length, outcome.Report.Bytes);
    }

    [Fact]
    public async Task Large_uploads_are_flushed_in_parts_that_do_not_depend_on_timing()
    {
        var text = new StringBuilder(LabsHeader);
        for (var i = 0; i < 2_500; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"P{i % 7},2025-03-01,2890-2,,{i}.5,g/g,\n");
        }

        var (first, sinkA) = await CsvIngestion.RunAsync(text.ToString(), flushThreshold: 1_000);
        var (_, sinkB) = await CsvIngestion.RunAsync(text.ToString(), flushThreshold: 1_000);

        Assert.Equal(2_500, first.Report.RowsUsed);
        Assert.Equal(3, sinkA.Shards.Select(s => s.Part).Distinct().Count());
        Assert.Equal(
            ServerlessScreening.Verdicts.ContractJson.Serialize(sinkA.Shards),
            ServerlessScreening.Verdicts.ContractJson.Serialize(sinkB.Shards));
    }

    [Fact]
    public async Task Medication_rows_keep_dose_route_frequency_and_dates()
    {
        var text = "patient_id,药品名称,剂量,剂量单位,频次,给药途径,开始日期,结束日期\nP1,吗替麦考酚酯胶囊,0.5,g,bid,口服,2025-01-01,2025-03-01\nP1,x,1,mg,qd,oral,2025-03-01,2025-02-01\n";

        var (outcome, sink) = await CsvIngestion.RunAsync(text);

        var medication = Assert.Single(sink.Medications);
        Assert.Equal(("mycophenolate-mofetil", 0.5m, "g", "bid", "口服"), (medication.Ingredient, medication.Dose!.Value, medication.DoseUnit, medication.Frequency, medication.Route));
        Assert.Equal(new DateOnly(2025, 3, 1), medication.End);
        Assert.Contains("immunosuppressant", medication.Classes);
        Assert.Equal(ErrorCodes.EndBeforeStart, Assert.Single(outcome.Report.Rejections).Code);
    }

    // INPUTS.md: "drug_code … ATC or RxNorm preferred over the name". A code the catalogue lists gives its ingredient;
    // one it does not list but a class rule covers still gives the class, so anti-infective criteria see the row.
    [Theory]
    [InlineData("P1,,J01CA04,ATC,,2025-01-01", "amoxicillin")]
    [InlineData("P1,头孢唑林钠,J01DB04,ATC,静滴,2025-01-01", null)]
    [InlineData("P1,,J02AC04,,,2025-01-01", null)]
    public async Task Medication_rows_given_by_atc_code_carry_the_class_the_code_proves(string row, string? ingredient)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync("patient_id,drug_name,drug_code,code_system,route,start_date\n" + row + "\n");

        var medication = Assert.Single(sink.Medications);
        Assert.Equal(ingredient, medication.Ingredient);
        Assert.Contains("anti-infective", medication.Classes);
        Assert.Equal(1, outcome.Report.RowsUsed);
        Assert.DoesNotContain(outcome.Report.Warnings, w => w.Code == ErrorCodes.DrugNotRecognised);
    }

    /// <summary>INPUTS.md: direct identifiers an export carries are not copied anywhere, rejection messages included.</summary>
    [Theory]
    [InlineData("P1,2025-05-01,2890-2,\"1.5\"Jane Roe,g/g\nP2,2025-05-01,2890-2,1.2,g/g\n", ErrorCodes.FileMalformedCsv)]
    [InlineData("P1,2025-05-01,2890-2,1.5,g/g,Jane Roe\nP2,2025-05-01,2890-2,1.2,g/g\n", ErrorCodes.FieldCount)]
    public async Task A_rejected_row_s_message_quotes_none_of_its_text(string rows, string code)
    {
        var (outcome, sink) = await CsvIngestion.RunAsync("patient_id,collected_at,test_code,value,unit\n" + rows);

        var rejection = Assert.Single(outcome.Report.Rejections);
        Assert.Equal(code, rejection.Code);
        Assert.DoesNotContain("Jane", rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Roe", rejection.Message, StringComparison.Ordinal);
        Assert.Single(sink.Labs);
    }
}
