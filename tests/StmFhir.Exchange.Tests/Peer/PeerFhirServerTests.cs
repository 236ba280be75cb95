using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Peer;

/// <summary>
/// Smoke tests of the peer through plain HttpClient: it runs, speaks FHIR R4 JSON, accepts StmFhir's transaction
/// Bundles, and shows the real Medplum limit the gateway has to cope with (8 entries per transaction with
/// conditional entries).
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class PeerFhirServerTests(PeerFhirServer peer)
{
    private const string CapText = "Transaction requires strict isolation but has too many entries";

    [Fact]
    public async Task MetadataIsAnR4CapabilityStatementThatSupportsTransactionsAndConditionalCreate()
    {
        using var client = peer.CreateClient();

        var statement = FhirJson.Deserialize<CapabilityStatement>(await client.GetStringAsync("metadata"));

        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
        var rest = Assert.Single(statement.Rest);
        Assert.Contains(rest.Interaction, i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction);
        var procedure = Assert.Single(rest.Resource, r => r.Type == "Procedure");
        Assert.True(procedure.ConditionalCreate);
        Assert.True(procedure.UpdateCreate);
        Assert.Contains(procedure.SearchParam, p => p.Name == "identifier");
    }

    [Fact]
    public async Task SessionBundleOfEightEntriesIsAppliedAndItsProcedureIsFoundByIdentifier()
    {
        var session = TestSessions.Session("smoke-small", painScores: 3);
        var bundle = StmBundleMapper.ToBundle(session);
        Assert.Equal(8, bundle.Entry.Count);
        using var client = peer.CreateClient();

        var (status, response) = await PostAsync(client, bundle);

        Assert.Equal(HttpStatusCode.OK, status);
        var result = FhirJson.Deserialize<Bundle>(response);
        Assert.Equal(Bundle.BundleType.TransactionResponse, result.Type);
        Assert.All(result.Entry, e => Assert.Equal("201", e.Response?.Status));
        var found = await SearchProceduresAsync(client, session);
        var procedure = Assert.IsType<Procedure>(Assert.Single(found.Entry).Resource);
        Assert.Equal(bundle.Entry[2].Resource?.Id, procedure.Id);
        Assert.StartsWith("Patient/", procedure.Subject?.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResendingTheSameSessionBundleCreatesNothingNewAndKeepsVersions()
    {
        var session = TestSessions.Session("smoke-resend", painScores: 1, patientMrn: "MRN-RESEND");
        using var client = peer.CreateClient();
        var first = FhirJson.Deserialize<Bundle>((await PostAsync(client, StmBundleMapper.ToBundle(session))).Body);

        var (status, body) = await PostAsync(client, StmBundleMapper.ToBundle(session));

        Assert.Equal(HttpStatusCode.OK, status);
        var second = FhirJson.Deserialize<Bundle>(body);
        Assert.All(second.Entry, e => Assert.Equal("200", e.Response?.Status));
        Assert.Equal(
            first.Entry.Select(e => (e.Resource?.Id, e.Resource?.Meta?.VersionId)),
            second.Entry.Select(e => (e.Resource?.Id, e.Resource?.Meta?.VersionId)));
        var patients = FhirJson.Deserialize<Bundle>(await client.GetStringAsync("Patient?identifier=" + Uri.EscapeDataString("https://example-hospital.org/mrn|MRN-RESEND")));
        Assert.Single(patients.Entry);
    }

    [Fact]
    public async Task SessionBundleOfMoreThanEightEntriesGetsMedplumsCapErrorAndNothingIsStored()
    {
        var session = TestSessions.Session("smoke-large", painScores: 4, romMeasurements: 3);
        var bundle = StmBundleMapper.ToBundle(session);
        Assert.True(bundle.Entry.Count > 8);
        using var client = peer.CreateClient();

        var (status, body) = await PostAsync(client, bundle);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var outcome = FhirJson.Deserialize<OperationOutcome>(body);
        var issue = Assert.Single(outcome.Issue);
        Assert.Equal(OperationOutcome.IssueType.Invalid, issue.Code);
        Assert.Equal(CapText, issue.Details?.Text);
        Assert.Empty((await SearchProceduresAsync(client, session)).Entry);
    }

    [Fact]
    public async Task SessionBundleOfMoreThanEightEntriesIsAcceptedAsABatch()
    {
        var session = TestSessions.Session("smoke-batch", painScores: 4, romMeasurements: 3);
        var bundle = StmBundleMapper.ToBundle(session);
        bundle.Type = Bundle.BundleType.Batch;
        using var client = peer.CreateClient();

        var (status, body) = await PostAsync(client, bundle);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(FhirJson.Deserialize<Bundle>(body).Entry, e => Assert.Equal("201", e.Response?.Status));
        Assert.Single((await SearchProceduresAsync(client, session)).Entry);
    }

    [Fact]
    public async Task InjectedThrottlingAnswers429WithRetryAfterThenServesNormally()
    {
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":429,"retryAfter":1,"times":1}]}""");
        using var client = peer.CreateClient();

        using var throttled = await client.GetAsync(new Uri("metadata", UriKind.Relative));
        using var served = await client.GetAsync(new Uri("metadata", UriKind.Relative));

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient client, Bundle bundle)
    {
        using var content = new StringContent(FhirJson.Serialize(bundle), Encoding.UTF8, "application/fhir+json");
        using var response = await client.PostAsync(new Uri("", UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Bundle> SearchProceduresAsync(HttpClient client, StmSession session)
    {
        var token = Uri.EscapeDataString($"{session.SourceSystem}|{session.SessionId}");
        return FhirJson.Deserialize<Bundle>(await client.GetStringAsync($"Procedure?identifier={token}"));
    }
}
