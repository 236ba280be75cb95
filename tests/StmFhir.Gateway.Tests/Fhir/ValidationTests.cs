using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Validation through the real engine (StmFhir.Core.Validation, every layer): <c>$validate</c>, and intake refusing what
/// the engine finds invalid with nothing stored.
/// </summary>
public sealed class ValidationTests(EngineGateway factory) : IClassFixture<EngineGateway>
{
    private readonly HttpClient _client = factory.ClientWithKey();

    private static string Sample(string folder, string file) => File.ReadAllText(RepoPaths.Samples(folder, file));

    [Fact]
    public async Task Validate_ASampleBundle_AnswersAnOutcomeWithoutErrors()
    {
        var response = await _client.PostAsync("/fhir/$validate", Http.Json(Sample("bundles", "01-lateral-epicondylitis-iastm.json")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        Assert.DoesNotContain(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task Validate_APredictionWithoutProbability_WarnsThatAStrictR4ServerRefusesIt_CitingFhir25796()
    {
        var response = await _client.PostAsync("/fhir/$validate", Http.Json(Sample("invalid", "interop-prediction-without-probability.json")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        Assert.DoesNotContain(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
        var warning = Assert.Single(outcome.Issue, i => i.Details?.Coding.Any(c => c.Code == "STM-INTEROP-001") == true);
        Assert.Equal(OperationOutcome.IssueSeverity.Warning, warning.Severity);
        Assert.Equal(["Bundle.entry[6].resource.prediction[0]"], warning.Expression);
        Assert.Contains("FHIR-25796", warning.Details!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_APainScoreOutOfRange_Answers200WithTheErrorAndItsExpression()
    {
        var observation = new Observation
        {
            Meta = new Meta { Profile = ["http://stmfhir.org/fhir/StructureDefinition/stm-pain-score"] },
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "72514-3"),
            Value = new Integer(11),
        };

        var response = await _client.PostAsync("/fhir/Observation/$validate", Http.Fhir(observation));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error && i.Expression.Any());
    }

    // Recoverable parsing keeps several values where one is allowed; Firely 3.6.0's validator then throws (it reads
    // them with SingleOrDefault). That must be an issue naming the element, never a 500.
    [Theory]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":["http://loinc.org","http://snomed.info/sct"],"code":"8867-4"}]}}""", "Observation.code.coding[0].system")]
    public async Task ElementsTheValidatorCannotRead_AreIssuesThatNameThem_NotServerErrors(string json, string element)
    {
        var type = json[17..json.IndexOf('"', 17)];
        var storedBefore = await CountAsync(type);

        var validate = await _client.PostAsync("/fhir/$validate", Http.Json(json));
        var create = await _client.PostAsync($"/fhir/{type}", Http.Json(json));

        Assert.Equal(HttpStatusCode.OK, validate.StatusCode);
        var outcome = await validate.ReadFhirAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && i.Expression.Contains(element));
        // Writes parse strictly: the parser's own refusal names the element.
        var refused = await create.AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Contains(element, refused.Diagnostics());
        // Other tests in this class share the gateway and store resources of the same type.
        Assert.Equal(storedBefore, await CountAsync(type));
    }

    private async Task<int?> CountAsync(string type) =>
        (await (await _client.GetAsync($"/fhir/{type}?_count=1")).ReadFhirAsync<Bundle>()).Total;

    [Fact]
    public async Task Validate_ParametersWithResourceAndProfile_ValidatesAgainstThatProfile()
    {
        var patient = new Patient { Gender = AdministrativeGender.Female };
        var parameters = new Parameters();
        parameters.Add("resource", patient);
        parameters.Add("profile", new FhirUri("http://stmfhir.org/fhir/StructureDefinition/stm-patient"));

        var withProfile = await (await _client.PostAsync("/fhir/Patient/$validate", Http.Fhir(parameters))).ReadFhirAsync<OperationOutcome>();
        var withoutProfile = await (await _client.PostAsync("/fhir/Patient/$validate", Http.Fhir(patient))).ReadFhirAsync<OperationOutcome>();

        Assert.Contains(withProfile.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
        Assert.DoesNotContain(withoutProfile.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task Validate_AnUnknownStmProfile_IsAnError()
    {
        var response = await _client.PostAsync("/fhir/$validate?profile=http://stmfhir.org/fhir/StructureDefinition/no-such-profile", Http.Fhir(new Patient()));

        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task Validate_AWrongValue_IsAnIssueNotA400()
    {
        var response = await _client.PostAsync("/fhir/Patient/$validate", Http.Json("{\"resourceType\":\"Patient\",\"gender\":\"banana\",\"active\":\"yes\"}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        Assert.True(outcome.Issue.Count(i => i.Severity <= OperationOutcome.IssueSeverity.Error) >= 2, outcome.Diagnostics());
    }

    [Fact]
    public async Task Validate_WrongTypeForTheUrl_Is400()
    {
        await (await _client.PostAsync("/fhir/Patient/$validate", Http.Fhir(new Observation()))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/fhir/NotAType/$validate", Http.Fhir(new Observation()))).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Intake_OfASessionPerformedDespiteAContraindication_Is422WithTheStmPathAndStoresNothing()
    {
        var session = SessionJson.Create("VAL-1");
        session["screening"]!["result"] = "contraindicated";

        var response = await _client.PostAsync("/stm/sessions", Http.Json(session.ToJsonString(), "application/json"));

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error && i.Location.Contains("$.status"));
        var stored = await (await _client.GetAsync("/fhir/Procedure?identifier=VAL-1")).ReadFhirAsync<Bundle>();
        Assert.Equal(0, stored.Total);
    }

    [Fact]
    public async Task Intake_OfAnImplausibleRangeOfMotion_PointsAtTheMeasurement()
    {
        var session = SessionJson.Create("VAL-2");
        session["romMeasurements"]![0]!["degrees"] = 355;

        var outcome = await (await _client.PostAsync("/stm/sessions", Http.Json(session.ToJsonString(), "application/json")))
            .AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(outcome.Issue, i => i.Location.Contains("$.romMeasurements[0].degrees"));
    }

    [Fact]
    public async Task Transaction_ThatFailsValidation_Is422AndStoresNothing()
    {
        var observation = new Observation
        {
            Id = "bad-pain",
            Meta = new Meta { Profile = ["http://stmfhir.org/fhir/StructureDefinition/stm-pain-score"] },
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "72514-3"),
            Value = new Integer(42),
        };
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent { FullUrl = "urn:uuid:1c7d0c4e-9a1f-4d1e-8a7e-0c3b7a1f2e01", Resource = new Patient { Id = "ok-1" },
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Patient/ok-1" } },
                new Bundle.EntryComponent { FullUrl = "urn:uuid:1c7d0c4e-9a1f-4d1e-8a7e-0c3b7a1f2e02", Resource = observation,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Observation/bad-pain" } },
            ],
        };

        await (await _client.PostAsync("/fhir", Http.Fhir(bundle))).AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        await (await _client.GetAsync("/fhir/Patient/ok-1")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(RepoPaths.SampleSessions), MemberType = typeof(RepoPaths))]
    public async Task Intake_OfEverySample_PassesValidation(string file)
    {
        var response = await _client.PostAsync("/stm/sessions", Http.Json(Sample("sessions", file), "application/json"));

        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Minimal inputs of the hostile-input run that answered 500 or ended the process, and the element each 400 names.</summary>
    public static TheoryData<string, string> CrashInputs => new()
    {
        { """{"resourceType":"Patient","name":[{"given":["a"],"_given":[{"id":"test"},null]}]}""", "Patient.name[0].given" },
        { """{"resourceType":"Patient","name":[{"given":["a",null]}]}""", "Patient.name[0].given[1]" },
        { """{"resourceType":"Patient","":"x"}""", "Patient" },
        { """{"resourceType":"Patient","contained":[{"resourceType":"Resource"}]}""", "Patient.contained[0]" },
        // An extension url that is no JSON string: once read for $validate (and refused by the engine or the parser), now
        // refused by the reader's one pass, which makes every id and url a string.
        { """{"resourceType":"Patient","extension":[{"url":3,"valueString":"y"}]}""", "Patient.extension[0].url" },
        { """{"resourceType":"Patient","extension":[{"url":["http://example.org/a","http://example.org/b"],"valueString":"x"}]}""", "Patient.extension[0].url" },
    };

    [Theory]
    [MemberData(nameof(CrashInputs))]
    public async Task InputsThatCrashedValidation_Are400NamingTheElement_AtValidateAndCreate(string json, string element)
    {
        foreach (var url in new[] { "/fhir/$validate", "/fhir/Patient" })
        {
            var outcome = await (await _client.PostAsync(url, Http.Json(json))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
            Assert.Contains(outcome.Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error && i.Expression.Contains(element));
        }
    }

    /// <summary>Values of the wrong type or shape that syntax-only reading keeps for <c>$validate</c>; the engine threw on each.</summary>
    public static TheoryData<string> WrongValues => new()
    {
        """{"resourceType":"Patient","managingOrganization":{"reference":3}}""",
        """{"resourceType":"Patient","meta":{"profile":[3]}}""",
        """{"resourceType":"Bundle","type":"collection","entry":{"resource":{"resourceType":"Patient"}}}""",
        """{"resourceType":"Bundle","type":"collection","entry":[{"resource":[{"resourceType":"Patient"}]}]}""",
        """{"resourceType":"Parameters","parameter":{"name":"resource","resource":{"resourceType":"Patient","name":{"family":3}}}}""",
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public async Task WrongValuesTheReaderKeeps_Answer200AtValidate_And4xxOnWrites(string json)
    {
        var type = json[17..json.IndexOf('"', 17)];

        var validated = await _client.PostAsync("/fhir/$validate", Http.Json(json));
        var written = await _client.PostAsync(type is "Bundle" or "Parameters" ? "/fhir" : $"/fhir/{type}", Http.Json(json));

        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.True((int)written.StatusCode is >= 400 and < 500, $"{(int)written.StatusCode}: {await written.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task ALongBadValue_IsQuotedShortenedWithItsLength_AtCreateAndValidate()
    {
        var json = "{\"resourceType\":\"Patient\",\"birthDate\":\"" + new string('9', 4_000_000) + "\"}";

        var refused = await (await _client.PostAsync("/fhir/Patient", Http.Json(json))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        var validated = await _client.PostAsync("/fhir/$validate", Http.Json(json));

        Assert.Contains("(4000000 characters)", refused.Diagnostics());
        // Longer than FHIR's 1 MB string limit: the reader refuses it before parsing (400), as it refuses other unreadable input.
        Assert.True(validated.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)validated.StatusCode}");
        var body = await validated.Content.ReadAsStringAsync();
        Assert.True(body.Length < 20_000, $"{body.Length} characters");
        Assert.True(body.Contains("(4000000 characters)", StringComparison.Ordinal), body);
    }
}
