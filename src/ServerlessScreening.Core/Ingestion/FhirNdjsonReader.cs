using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>
/// FHIR R4 bulk-data NDJSON: one resource per line, parsed with the HL7 FHIR SDK. Patient, Observation,
/// MedicationRequest, MedicationStatement, MedicationAdministration, Condition, Procedure and Immunization become facts;
/// other resource types are counted as not relevant. Names, addresses, telecom and identifiers of a Patient are never
/// read. A line that is not a valid resource is rejected with its record number; the rest of the file is still used.
/// A record whose status says the event never happened or was withdrawn (entered in error, cancelled, refuted, not
/// done, not taken, a draft order) is never evidence: it is counted as not relevant, with its resource and status.
/// </summary>
internal static class FhirNdjsonReader
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    public static async Task<bool> ReadAsync(TextReader text, ReadContext context, FactBuffer buffer, IShardSink sink, ReportBuilder report, CancellationToken cancellationToken)
    {
        var record = 0;
        var normalizer = new LabNormalizer(context.Labs, context.Values);
        var sawResource = false;
        while (await text.ReadLineAsync(cancellationToken) is { } line)
        {
            record++;
            if (string.IsNullOrWhiteSpace(line))
            {
                report.Blank();
                continue;
            }

            Resource? resource;
            try
            {
                var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(line));
                Deserializer.TryDeserializeResource(ref reader, out resource, out _);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException or DeserializationFailedException)
            {
                resource = null;
            }

            if (resource is null)
            {
                report.Reject(new Rejection(record, null, ErrorCodes.FileMalformedJson, $"record {record} is not a valid FHIR R4 resource in JSON"));
                continue;
            }

            sawResource = true;
            var outcome = resource switch
            {
                Patient patient => Patient(patient, record, context),
                Observation observation => Observation(observation, record, context, normalizer, report),
                MedicationRequest request => MedicationRequest(request, record, context),
                MedicationStatement statement => MedicationStatement(statement, record, context),
                MedicationAdministration administration => MedicationAdministration(administration, record, context),
                Condition condition => Condition(condition, record, context),
                Procedure procedure => Procedure(procedure, record, context),
                Immunization immunization => Immunization(immunization, record, context),
                _ => Outcome.Ignored(ErrorCodes.RecordNotRelevant, resource.TypeName),
            };
            outcome.Apply(buffer, report, record);
            if (buffer.ShouldFlush)
            {
                await buffer.FlushAsync(sink, cancellationToken);
            }
        }

        return sawResource;
    }

    private static Outcome Patient(Patient patient, int record, ReadContext context)
    {
        if (string.IsNullOrEmpty(patient.Id))
        {
            return Outcome.Rejected(ErrorCodes.MissingValue, "Patient.id", "the Patient resource has no id");
        }

        var sex = patient.Gender switch
        {
            AdministrativeGender.Female => Sex.Female,
            AdministrativeGender.Male => Sex.Male,
            _ => (Sex?)null,
        };
        // A birth date that cannot be used loses only itself: the Patient's sex is still used and the report lists the
        // field. FHIR allows a year or a year and month, but age needs the day, and a day is never invented.
        DateOnly? birth = null;
        (string Code, string Message)? birthDateProblem = null;
        if (patient.BirthDate is { } text)
        {
            var parsed = context.Dates.ReadDate(text);
            if (parsed.IsOk)
            {
                birth = parsed.Value;
            }
            else
            {
                birthDateProblem = (parsed.ErrorCode!, IsPartialDate(text)
                    ? $"birthDate '{text}' gives only the {(text.Length == 4 ? "year" : "year and month")}; age needs the full date (yyyy-MM-dd), so the patient is kept without a birth date"
                    : $"birthDate: {parsed.Message}; the patient is kept without a birth date");
            }
        }

        var demographics = new Demographics { Sex = sex, BirthDate = birth, Source = context.Source(record) };
        return birthDateProblem is { } problem
            ? Outcome.FactWithRejectedField(patient.Id, demographics, problem.Code, "Patient.birthDate", problem.Message)
            : Outcome.Fact(patient.Id, demographics);
    }

    /// <summary>A FHIR partial date: a year (<c>1990</c>) or a year and month (<c>1990-04</c>).</summary>
    private static bool IsPartialDate(string text) => text.Length switch
    {
        4 => IsDigits(text.AsSpan()),
        7 => text[4] == '-' && IsDigits(text.AsSpan(0, 4)) && IsDigits(text.AsSpan(5, 2)),
        _ => false,
    };

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

    private static Outcome Observation(Observation observation, int record, ReadContext context, LabNormalizer normalizer, ReportBuilder report)
    {
        // Preliminary, amended and corrected results are results; one entered in error or cancelled was never obtained.
        if (observation.Status is ObservationStatus.EnteredInError or ObservationStatus.Cancelled)
        {
            return NotEvidence("Observation", observation.Status.Value);
        }

        var coding = observation.Code?.Coding.FirstOrDefault(c => Systems.IsLoinc(c.System)) ?? observation.Code?.Coding.FirstOrDefault();
        var name = observation.Code?.Text ?? coding?.Display;
        var test = normalizer.ResolveTest(coding?.Code, Systems.IsLoinc(coding?.System) ? "LOINC" : coding?.System, name, context.Settings.Profile);
        if (test is null)
        {
            return Outcome.Ignored(ErrorCodes.TestNotRecognised, LabNormalizer.DescribeUnrecognised(coding?.Code, name));
        }

        if (PatientOf(observation.Subject) is not { } patientId)
        {
            return Outcome.Rejected(ErrorCodes.MissingValue, "Observation.subject", "the Observation names no Patient subject");
        }

        var when = observation.Effective switch
        {
            FhirDateTime dateTime => dateTime.Value,
            Period period => period.Start,
            Instant instant => instant.Value?.ToString("O", CultureInfo.InvariantCulture),
            _ => observation.Issued?.ToString("O", CultureInfo.InvariantCulture),
        };
        var date = context.Dates.Read(when ?? string.Empty);
        if (!date.IsOk)
        {
            return Outcome.Rejected(date.ErrorCode!, "Observation.effective[x]", $"effective[x]: {date.Message}");
        }

        var (value, rawValue, rawUnit) = ObservationValue(observation.Value, context.Values);
        if (!value.IsOk)
        {
            return Outcome.Rejected(value.ErrorCode!, "Observation.value[x]", value.Message!);
        }

        // The range is handed to the normaliser as a site writes it in a CSV (low-high, >low, <high), so it is converted
        // to the canonical unit with the value; a range with one bound keeps that bound.
        var range = observation.ReferenceRange.FirstOrDefault();
        var referenceText = (range?.Low?.Value, range?.High?.Value) switch
        {
            ({ } low, { } high) => $"{low.ToString(CultureInfo.InvariantCulture)}-{high.ToString(CultureInfo.InvariantCulture)}",
            ({ } low, null) => ">" + low.ToString(CultureInfo.InvariantCulture),
            (null, { } high) => "<" + high.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        var identity = new LabIdentity(date.Value, coding?.Code, Systems.IsLoinc(coding?.System) ? "LOINC" : coding?.System, name, context.Source(record), observation.Interpretation.FirstOrDefault()?.Coding.FirstOrDefault()?.Code);
        var lab = normalizer.Normalize(test, value.Value!, rawValue!, rawUnit, referenceText, identity, out var unitProblem);
        if (unitProblem is not null)
        {
            report.Warn(ErrorCodes.UnitNotRecognised, unitProblem, record);
        }

        return Outcome.Fact(patientId, lab);
    }

    /// <summary>The result of an Observation: its value, the text it was read from (kept as the raw value) and its unit.</summary>
    private static (Parsed<LabValue> Value, string? Raw, string? Unit) ObservationValue(DataType? value, ValueReader values)
    {
        if (value is CodeableConcept concept)
        {
            var (coded, raw) = CodedValue(concept, values);
            return (coded, raw, null);
        }

        var (rawValue, rawUnit) = value switch
        {
            Quantity quantity => (quantity.Value?.ToString(CultureInfo.InvariantCulture) is { } number ? (quantity.Comparator is { } comparator ? ComparatorText(comparator) + number : number) : null, quantity.Unit ?? quantity.Code),
            FhirString text => (text.Value, null),
            FhirBoolean boolean => (boolean.Value == true ? "positive" : "negative", null),
            _ => (null, null),
        };
        return (values.LabValue(rawValue), rawValue, rawUnit);
    }

    /// <summary>
    /// A coded result (valueCodeableConcept) is qualitative: a code that names a positive or negative result decides it,
    /// otherwise its text or display is read as a qualitative word. Neither its codes nor its text are ever read as a
    /// number: a concept id such as 260385009 identifies a result, it does not measure one, and a number belongs in
    /// valueQuantity. Returns the value and the text it was read from.
    /// </summary>
    private static (Parsed<LabValue> Value, string? Raw) CodedValue(CodeableConcept concept, ValueReader values)
    {
        foreach (var coding in concept.Coding)
        {
            if (QualitativeCode(coding.System, coding.Code) is { } known)
            {
                var raw = concept.Text ?? coding.Display ?? Describe(coding);
                return (Parsed<LabValue>.Ok(LabValue.Of(known, raw)), raw);
            }
        }

        var text = concept.Text ?? concept.Coding.Select(c => c.Display).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));
        if (!string.IsNullOrWhiteSpace(text))
        {
            var read = values.LabValue(text);
            return read is { IsOk: true, Value.Kind: LabValueKind.Qualitative }
                ? (read, text)
                : (Parsed<LabValue>.Error(ErrorCodes.InvalidLabValue, $"valueCodeableConcept '{ValueReader.Clip(text)}' is not a qualitative result (positive/negative, detected/not detected); a numeric result belongs in valueQuantity"), text);
        }

        var codes = concept.Coding.Where(c => !string.IsNullOrWhiteSpace(c.Code)).Select(Describe).ToList();
        return codes.Count == 0
            ? (Parsed<LabValue>.Error(ErrorCodes.MissingValue, "valueCodeableConcept has neither text nor a code"), null)
            : (Parsed<LabValue>.Error(
                ErrorCodes.InvalidLabValue,
                $"valueCodeableConcept code {string.Join(", ", codes)} has no text or display and is not a known result code (SNOMED CT 10828004 Positive, 260385009 Negative, 260373001 Detected, 260415000 Not detected); export the result's display or text with the code"), null);
    }

    /// <summary>
    /// The qualitative result a code names, or null. Kept to the codes exports send without text: the SNOMED CT
    /// qualifier values 10828004 |Positive|, 260385009 |Negative|, 260373001 |Detected| and 260415000 |Not detected|,
    /// and the HL7 v3 ObservationInterpretation codes POS, NEG, DET and ND of the same meanings.
    /// </summary>
    private static Qualitative? QualitativeCode(string? system, string? code) => (Systems.Name(system), code) switch
    {
        ("SNOMED-CT", "10828004" or "260373001") => Qualitative.Positive,
        ("SNOMED-CT", "260385009" or "260415000") => Qualitative.Negative,
        (_, "POS" or "DET") when Systems.IsObservationInterpretation(system) => Qualitative.Positive,
        (_, "NEG" or "ND") when Systems.IsObservationInterpretation(system) => Qualitative.Negative,
        _ => null,
    };

    /// <summary>A coding as a site data manager finds it in the export: system name and code.</summary>
    private static string Describe(Coding coding) =>
        coding.System is null ? ValueReader.Clip(coding.Code ?? string.Empty) : $"{Systems.Name(coding.System)} {ValueReader.Clip(coding.Code ?? string.Empty)}";

    private static Outcome MedicationRequest(MedicationRequest request, int record, ReadContext context)
    {
        // A draft was never ordered and a cancelled order was withdrawn before any of it was taken; a stopped or
        // completed order is a real exposure and stays.
        if (request.Status is Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.EnteredInError
            or Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Cancelled
            or Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Draft)
        {
            return NotEvidence("MedicationRequest", request.Status.Value);
        }

        // An order has a date, not a course: it counts as ongoing while active, otherwise as given on the order date
        // unless the dispense request bounds it.
        var end = request.DispenseRequest?.ValidityPeriod?.End;
        var ongoing = request.Status is Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Active or Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.OnHold;
        var dosage = request.DosageInstruction.FirstOrDefault();
        return Medication(request.Subject, request.Medication, request.AuthoredOn, end, ongoing, dosage, request.Status?.ToString(), "MedicationRequest", record, context);
    }

    private static Outcome MedicationStatement(MedicationStatement statement, int record, ReadContext context)
    {
        // not-taken states that the patient did not take the medication.
        if (statement.Status is Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.EnteredInError
            or Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.NotTaken)
        {
            return NotEvidence("MedicationStatement", statement.Status.Value);
        }

        var (start, end) = statement.Effective switch
        {
            FhirDateTime dateTime => (dateTime.Value, dateTime.Value),
            Period period => (period.Start, period.End),
            _ => (statement.DateAsserted, null),
        };
        var ongoing = statement.Status is Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Active && end is null;
        return Medication(statement.Subject, statement.Medication, start, end, ongoing, statement.Dosage.FirstOrDefault(), statement.Status?.ToString(), "MedicationStatement", record, context);
    }

    private static Outcome MedicationAdministration(MedicationAdministration administration, int record, ReadContext context)
    {
        if (administration.Status is Hl7.Fhir.Model.MedicationAdministration.MedicationAdministrationStatusCodes.EnteredInError
            or Hl7.Fhir.Model.MedicationAdministration.MedicationAdministrationStatusCodes.NotDone)
        {
            return NotEvidence("MedicationAdministration", administration.Status.Value);
        }

        var (start, end) = administration.Effective switch
        {
            FhirDateTime dateTime => (dateTime.Value, dateTime.Value),
            Period period => (period.Start, period.End ?? period.Start),
            _ => (null, null),
        };
        var dose = administration.Dosage?.Dose;
        var route = administration.Dosage?.Route;
        return MedicationFact(administration.Subject, administration.Medication, start, end, false, dose, route, null, administration.Status?.ToString(), "MedicationAdministration", record, context);
    }

    private static Outcome Medication(ResourceReference? subject, DataType? medication, string? start, string? end, bool ongoing, Dosage? dosage, string? status, string type, int record, ReadContext context)
    {
        var doseAndRate = dosage?.DoseAndRate.FirstOrDefault();
        var repeat = dosage?.Timing?.Repeat;
        var frequency = repeat?.Frequency is { } times && repeat.Period is { } period
            ? $"{times}/{period.ToString(CultureInfo.InvariantCulture)}{repeat.PeriodUnit?.ToString().ToLowerInvariant()}"
            : dosage?.Timing?.Code?.Text;
        return MedicationFact(subject, medication, start, end, ongoing, doseAndRate?.Dose as Quantity, dosage?.Route, frequency, status, type, record, context);
    }

    private static Outcome MedicationFact(ResourceReference? subject, DataType? medication, string? start, string? end, bool ongoing, Quantity? dose, CodeableConcept? route, string? frequency, string? status, string type, int record, ReadContext context)
    {
        if (PatientOf(subject) is not { } patientId)
        {
            return Outcome.Rejected(ErrorCodes.MissingValue, type + ".subject", $"the {type} names no Patient subject");
        }

        var started = context.Dates.Read(start ?? string.Empty);
        if (!started.IsOk)
        {
            return Outcome.Rejected(started.ErrorCode!, type + " date", $"start date: {started.Message}");
        }

        DateOnly? ended = ongoing ? null : started.Value.Date;
        if (!ongoing && end is not null)
        {
            var parsed = context.Dates.Read(end);
            if (!parsed.IsOk)
            {
                return Outcome.Rejected(parsed.ErrorCode!, type + " end", $"end date: {parsed.Message}");
            }

            ended = parsed.Value.Date < started.Value.Date ? started.Value.Date : parsed.Value.Date;
        }

        var (code, system, name) = medication switch
        {
            CodeableConcept concept => (concept.Coding.FirstOrDefault()?.Code, concept.Coding.FirstOrDefault()?.System, concept.Text ?? concept.Coding.FirstOrDefault()?.Display),
            ResourceReference reference => (null, null, reference.Display),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        var systemName = Systems.Name(system);
        // Classified, not only resolved: an ATC code no ingredient lists still gives the class its code proves.
        var match = MedicationResolver.Classify(context, code, systemName, name);
        return Outcome.Fact(
            patientId,
            new MedicationRecord
            {
                DrugName = name ?? code ?? "(unnamed medication)",
                Ingredient = match?.Ingredient?.Id,
                Classes = match?.Classes ?? [],
                Code = code,
                CodeSystem = systemName,
                Dose = dose?.Value,
                DoseUnit = dose?.Unit ?? dose?.Code,
                Route = route?.Text ?? route?.Coding.FirstOrDefault()?.Display,
                Frequency = frequency,
                Start = started.Value.Date,
                End = ended,
                Status = status?.ToLowerInvariant(),
                Source = context.Source(record),
            },
            match is null ? ValueReader.Clip(name ?? code ?? type) : null);
    }

    private static Outcome Condition(Condition condition, int record, ReadContext context)
    {
        // A refuted diagnosis was ruled out; its clinical status (often still "active") does not make it one.
        if (condition.VerificationStatus?.Coding.FirstOrDefault(c => c.Code is "refuted" or "entered-in-error") is { } withdrawn)
        {
            return Outcome.Ignored(ErrorCodes.RecordNotRelevant, $"Condition with verificationStatus {withdrawn.Code}");
        }

        var when = condition.Onset switch
        {
            FhirDateTime dateTime => dateTime.Value,
            Period period => period.Start,
            _ => condition.RecordedDate,
        };
        var abated = condition.Abatement is FhirDateTime abatement ? abatement.Value : (condition.Abatement as Period)?.End;
        var active = condition.ClinicalStatus?.Coding.Any(c => c.Code is "active" or "recurrence" or "relapse") == true;
        return Event(condition.Subject, condition.Code, when, abated, active && abated is null, ClinicalFactTypes.Diagnosis, "Condition", record, context);
    }

    private static Outcome Procedure(Procedure procedure, int record, ReadContext context)
    {
        if (procedure.Status is EventStatus.EnteredInError or EventStatus.NotDone)
        {
            return NotEvidence("Procedure", procedure.Status.Value);
        }

        var (when, end) = procedure.Performed switch
        {
            FhirDateTime dateTime => (dateTime.Value, null),
            Period period => (period.Start, period.End),
            _ => ((string?)null, (string?)null),
        };
        return Event(procedure.Subject, procedure.Code, when, end, false, ClinicalFactTypes.Procedure, "Procedure", record, context);
    }

    private static Outcome Immunization(Immunization immunization, int record, ReadContext context)
    {
        if (immunization.Status is Hl7.Fhir.Model.Immunization.ImmunizationStatusCodes.NotDone or Hl7.Fhir.Model.Immunization.ImmunizationStatusCodes.EnteredInError)
        {
            return Outcome.Ignored(ErrorCodes.RecordNotRelevant, $"Immunization with status {(immunization.Status == Hl7.Fhir.Model.Immunization.ImmunizationStatusCodes.NotDone ? "not-done" : "entered-in-error")}");
        }

        var when = (immunization.Occurrence as FhirDateTime)?.Value ?? immunization.Recorded;
        return Event(immunization.Patient, immunization.VaccineCode, when, null, false, ClinicalFactTypes.Immunization, "Immunization", record, context);
    }

    private static Outcome Event(ResourceReference? subject, CodeableConcept? code, string? when, string? end, bool ongoing, string type, string resource, int record, ReadContext context)
    {
        if (PatientOf(subject) is not { } patientId)
        {
            return Outcome.Rejected(ErrorCodes.MissingValue, resource + ".subject", $"the {resource} names no Patient");
        }

        var date = context.Dates.Read(when ?? string.Empty);
        if (!date.IsOk)
        {
            return Outcome.Rejected(date.ErrorCode!, resource + " date", $"date: {date.Message}");
        }

        DateOnly? ended = null;
        if (end is not null && context.Dates.Read(end) is { IsOk: true } parsedEnd)
        {
            ended = parsedEnd.Value.Date;
        }

        var coding = code?.Coding.FirstOrDefault();
        return Outcome.Fact(patientId, new ClinicalFact
        {
            Type = type,
            Date = date.Value.Date,
            End = ended,
            Ongoing = ongoing,
            CodeSystem = Systems.Name(coding?.System),
            Code = coding?.Code,
            Name = code?.Text ?? coding?.Display,
            Source = context.Source(record),
        });
    }

    /// <summary>
    /// A record whose status says the event never happened or was withdrawn: ignored, and grouped in the report by
    /// resource and status as FHIR writes it (<c>Procedure with status not-done</c>).
    /// </summary>
    private static Outcome NotEvidence(string resource, Enum status) =>
        Outcome.Ignored(ErrorCodes.RecordNotRelevant, $"{resource} with status {Hl7.Fhir.Utility.EnumUtility.GetLiteral(status)}");

    /// <summary>The patient id a reference names: <c>Patient/abc</c> or <c>urn:uuid:abc</c>.</summary>
    private static string? PatientOf(ResourceReference? reference)
    {
        var text = reference?.Reference;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase))
        {
            return text["urn:uuid:".Length..];
        }

        var slash = text.LastIndexOf('/');
        var id = slash >= 0 ? text[(slash + 1)..] : text;
        return text.Contains("Patient/", StringComparison.Ordinal) || slash < 0 ? id : null;
    }

    private static string ComparatorText(Quantity.QuantityComparator comparator) => comparator switch
    {
        Quantity.QuantityComparator.LessThan => "<",
        Quantity.QuantityComparator.LessOrEqual => "<=",
        Quantity.QuantityComparator.GreaterOrEqual => ">=",
        Quantity.QuantityComparator.GreaterThan => ">",
        _ => string.Empty,
    };

    /// <summary>
    /// What one record became: a fact, a record ignored or a record rejected. <see cref="Code"/>, <see cref="Column"/>
    /// and <see cref="What"/> say why a record was rejected or ignored; on a fact they name a field of it that was
    /// rejected while the rest of the record was used.
    /// </summary>
    private readonly record struct Outcome(string? PatientId, object? FactValue, string? Code, string? Column, string? What, bool IsRejection, string? Warning)
    {
        public static Outcome Fact(string patientId, object fact, string? unresolvedDrug = null) => new(patientId, fact, null, null, null, false, unresolvedDrug);

        public static Outcome FactWithRejectedField(string patientId, object fact, string code, string column, string message) => new(patientId, fact, code, column, message, false, null);

        public static Outcome Ignored(string code, string what) => new(null, null, code, null, what, false, null);

        public static Outcome Rejected(string code, string column, string message) => new(null, null, code, column, message, true, null);

        public void Apply(FactBuffer buffer, ReportBuilder report, int record)
        {
            if (IsRejection)
            {
                report.Reject(new Rejection(record, Column, Code!, What!));
                return;
            }

            if (FactValue is null)
            {
                report.Ignore(Code!, What!, record);
                return;
            }

            switch (FactValue)
            {
                case Demographics demographics:
                    buffer.Add(PatientId!, demographics);
                    break;
                case LabResult lab:
                    buffer.Add(PatientId!, lab);
                    break;
                case MedicationRecord medication:
                    buffer.Add(PatientId!, medication);
                    break;
                case ClinicalFact clinical:
                    buffer.Add(PatientId!, clinical);
                    break;
                default:
                    throw new InvalidOperationException("Unknown fact type " + FactValue.GetType().Name);
            }

            if (Warning is not null)
            {
                report.Warn(ErrorCodes.DrugNotRecognised, Warning, record);
            }

            report.Used();
            if (Code is not null)
            {
                report.RejectField(new Rejection(record, Column, Code, What!));
            }
        }
    }
}

/// <summary>Code system URIs as FHIR writes them, and the names the rest of the pipeline uses.</summary>
internal static class Systems
{
    public static bool IsLoinc(string? system) => system is not null && system.Contains("loinc", StringComparison.OrdinalIgnoreCase);

    /// <summary>HL7 v3 ObservationInterpretation, at its current and its earlier FHIR address.</summary>
    public static bool IsObservationInterpretation(string? system) => system is not null && system.Contains("ObservationInterpretation", StringComparison.OrdinalIgnoreCase);

    public static string? Name(string? system) => system switch
    {
        null => null,
        _ when system.Contains("snomed", StringComparison.OrdinalIgnoreCase) => "SNOMED-CT",
        _ when system.Contains("rxnorm", StringComparison.OrdinalIgnoreCase) => "RxNorm",
        _ when system.Contains("cvx", StringComparison.OrdinalIgnoreCase) => "CVX",
        _ when system.Contains("icd-10", StringComparison.OrdinalIgnoreCase) => "ICD-10",
        _ when system.Contains("loinc", StringComparison.OrdinalIgnoreCase) => "LOINC",
        _ when system.Contains("atc", StringComparison.OrdinalIgnoreCase) => "ATC",
        _ => system,
    };
}
