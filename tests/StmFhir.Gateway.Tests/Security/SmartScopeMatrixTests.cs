using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>Seeds one Patient, Observation and Condition (through the read-write API key) for the scope matrix.</summary>
public sealed class SmartScopeGateway : GatewayFactory, IAsyncLifetime
{
    internal const string Loinc = "http://loinc.org";

    internal static Resource Seed(string type, string? id = "sm-1") => type switch
    {
        "Patient" => new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id ?? Guid.NewGuid().ToString("N"))] },
        "Observation" => new Observation
        {
            Id = id,
            Status = ObservationStatus.Final,
            Code = new CodeableConcept(Loinc, "8867-4"),
            Subject = new ResourceReference("Patient/sm-1"),
        },
        _ => new Condition { Id = id, Code = new CodeableConcept("http://snomed.info/sct", "202855006"), Subject = new ResourceReference("Patient/sm-1") },
    };

    public async Task InitializeAsync()
    {
        var client = ClientWithKey();
        foreach (var type in new[] { "Patient", "Observation", "Condition" })
        {
            var response = await client.PutAsync($"/fhir/{type}/sm-1", Http.Fhir(Seed(type)));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>
/// Scope x interaction x resource type -> 2xx or 403, through HTTP: every interaction is decided per type by the
/// token's SMART v1/v2 scopes, and nothing else grants it.
/// </summary>
public sealed class SmartScopeMatrixTests(SmartScopeGateway gateway) : IClassFixture<SmartScopeGateway>
{
    private static readonly string[] s_types = ["Patient", "Observation", "Condition"];
    private static readonly string[] s_interactions = ["read", "vread", "history", "search", "create", "update", "validate"];
    private const string ReadAll = "read vread history search validate";

    /// <summary>Each scope string and what it grants, as "Type: interactions" ("*" = every type).</summary>
    private static readonly (string Scope, string[] Grants)[] s_matrix =
    [
        ("system/Observation.s", ["Observation: search validate"]),
        ("system/Observation.rs", [$"Observation: {ReadAll}"]),
        ("system/Observation.read", [$"Observation: {ReadAll}"]),
        ("user/Condition.cu", ["Condition: create update validate"]),
        ("system/Patient.cruds system/Observation.r", ["Patient: read vread history search create update validate", "Observation: read vread history validate"]),
        ("system/*.write", ["*: create update validate"]),
        ("system/*.rs", [$"*: {ReadAll}"]),
        ("system/*.*", ["*: read vread history search create update validate"]),
        ("user/*.cruds", ["*: read vread history search create update validate"]),
        ("stmfhir.read", [$"*: {ReadAll}"]),
        ("system/Observation.rs?code=http://loinc.org|8867-4", ["Observation: search"]),
        ("patient/*.*", []),
        ("patient/Observation.rs", []),
        ("system/Observation.sr", []),
        ("system/Observation.read?code=8867-4", []),
        ("openid profile", []),
    ];

    public static TheoryData<string, string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var (scope, grants) in s_matrix)
        {
            foreach (var type in s_types)
            {
                foreach (var interaction in s_interactions)
                {
                    var allowed = grants.Any(g => g.Split(": ") is [var t, var list] && (t == "*" || t == type) && list.Split(' ').Contains(interaction));
                    data.Add(scope, type, interaction, allowed);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task ScopeDecidesInteractionOnType(string scope, string type, string interaction, bool allowed)
    {
        using var request = Request(type, interaction);

        var response = await gateway.ClientWithBearer(TestTokens.Create(scope)).SendAsync(request);

        if (allowed)
        {
            Assert.True(response.IsSuccessStatusCode, $"{scope} {interaction} {type}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        else
        {
            var outcome = await response.AssertOutcomeAsync(HttpStatusCode.Forbidden);
            Assert.Equal(OperationOutcome.IssueType.Forbidden, outcome.Issue[0].Code);
        }
    }

    internal static HttpRequestMessage Request(string type, string interaction) => interaction switch
    {
        "read" => new(HttpMethod.Get, $"/fhir/{type}/sm-1"),
        "vread" => new(HttpMethod.Get, $"/fhir/{type}/sm-1/_history/1"),
        "history" => new(HttpMethod.Get, $"/fhir/{type}/sm-1/_history"),
        "search" => new(HttpMethod.Get, $"/fhir/{type}?_id=sm-1"),
        "create" => new(HttpMethod.Post, $"/fhir/{type}") { Content = Http.Fhir(SmartScopeGateway.Seed(type, id: null)) },
        "update" => new(HttpMethod.Put, $"/fhir/{type}/sm-1") { Content = Http.Fhir(SmartScopeGateway.Seed(type)) },
        "validate" => new(HttpMethod.Post, $"/fhir/{type}/$validate") { Content = Http.Fhir(SmartScopeGateway.Seed(type)) },
        _ => throw new ArgumentOutOfRangeException(nameof(interaction)),
    };
}
