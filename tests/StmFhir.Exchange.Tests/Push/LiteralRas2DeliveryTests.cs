using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// A target that applies R4's text of ras-2 literally (the peer with validation on, as Medplum 4.5.2) refuses every
/// prediction without a probability. <c>Compatibility:LiteralRas2</c>: Detect learns it from that refusal, On sends the
/// literal ras-2 form from the start, Off keeps the refusal; a target that accepts correct R4 gets correct R4. That pull
/// reads the form back to the same session: PullTests.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class LiteralRas2DeliveryTests(PeerFhirServer peer) : IAsyncLifetime
{
    public Task InitializeAsync() => peer.ConfigureAsync("""{"validate":true}""");

    public Task DisposeAsync() => peer.ConfigureAsync("""{"validate":true}""");

    [Fact]
    public async Task ByDefaultARas2RefusalIsLearnedAndTheSessionArrivesOnceInTheLiteralRas2Form()
    {
        var session = Screened("ras2-detect");
        using var exchange = new PeerExchange(peer);
        var targets = (FhirTargets)exchange.Targets;
        Assert.False(targets.UsesLiteralRas2Form(PeerExchange.Target));

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.True(targets.UsesLiteralRas2Form(PeerExchange.Target));
        var assessment = await AtPeerAsync(exchange, session);
        Assert.All(assessment.Prediction, AssertDataAbsentRange);

        // Learned: the next session goes in the form at once (one batch, one transaction; no refusal first).
        var next = await exchange.DeliverAsync(Screened("ras2-detect-next"));
        Assert.True(next.Succeeded, next.Failure?.Message);
        Assert.Equal(2, next.Requests);
        Assert.Equal(3, result.Requests);
    }

    [Fact]
    public async Task WithLiteralRas2OnTheFirstTransactionIsAlreadyInTheForm()
    {
        var session = Screened("ras2-on");
        using var exchange = new PeerExchange(peer, t => t.Compatibility.LiteralRas2 = FhirCompatibilityMode.On);

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal(2, result.Requests);
        Assert.All((await AtPeerAsync(exchange, session)).Prediction, AssertDataAbsentRange);
        var again = await exchange.DeliverAsync(session);
        Assert.All(again.Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
    }

    [Fact]
    public async Task WithLiteralRas2OffTheRefusalIsAPermanentFailureAndNothingArrives()
    {
        var session = Screened("ras2-off");
        using var exchange = new PeerExchange(peer, t => t.Compatibility.LiteralRas2 = FhirCompatibilityMode.Off);

        var result = await exchange.DeliverAsync(session);

        Assert.Equal(DeliveryFailureKind.Permanent, result.Failure?.Kind);
        Assert.Equal(400, result.Failure?.HttpStatus);
        Assert.Contains(result.Failure!.Outcome!.Issue, i => i.Details?.Text?.Contains("ras-2", StringComparison.Ordinal) == true);
        Assert.False(((FhirTargets)exchange.Targets).UsesLiteralRas2Form(PeerExchange.Target));
        Assert.Empty(await exchange.ProceduresAsync(session));
    }

    [Fact]
    public async Task ATargetThatAcceptsCorrectR4GetsCorrectR4ByDefault()
    {
        await peer.ConfigureAsync("""{"validate":false}""");
        var session = Screened("ras2-lenient");
        using var exchange = new PeerExchange(peer);

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.False(((FhirTargets)exchange.Targets).UsesLiteralRas2Form(PeerExchange.Target));
        Assert.All((await AtPeerAsync(exchange, session)).Prediction, p => Assert.Null(p.Probability));
    }

    [Fact]
    public async Task ARefusalForAnotherReasonIsNotTakenForRas2()
    {
        // A Bundle whose RiskAssessment the peer refuses for something else: a permanent failure, nothing learned.
        var session = Screened("ras2-other");
        var bundle = StmBundleMapper.ToBundle(session);
        var assessment = bundle.Entry.Select(e => e.Resource).OfType<RiskAssessment>().Single();
        assessment.Prediction[0].Probability = new FhirDecimal(150m);
        using var exchange = new PeerExchange(peer, t => t.Compatibility.LiteralRas2 = FhirCompatibilityMode.On);

        var result = await exchange.DeliverAsync(bundle, session.SessionId);

        // ras-2 refuses a probability above 100 whatever the form: the form is not sent again, the refusal stands.
        Assert.Equal(DeliveryFailureKind.Permanent, result.Failure?.Kind);
        Assert.Equal(2, result.Requests);
        Assert.Empty(await exchange.ProceduresAsync(session));
    }

    private static StmSession Screened(string id)
    {
        var session = TestFiles.SampleSession("01-lateral-epicondylitis-iastm.json") with { SessionId = id };
        Assert.NotEmpty(session.Screening!.Predictions);
        return session;
    }

    private static async Task<RiskAssessment> AtPeerAsync(PeerExchange exchange, StmSession session) =>
        Assert.IsType<RiskAssessment>(Assert.Single(await exchange.SearchAsync("RiskAssessment", session.SourceSystem, $"{session.SessionId}/screening")));

    private static void AssertDataAbsentRange(RiskAssessment.PredictionComponent prediction)
    {
        var range = Assert.IsType<Hl7.Fhir.Model.Range>(prediction.Probability);
        Assert.Null(range.Low);
        Assert.Null(range.High);
        var reason = Assert.Single(range.Extension);
        Assert.Equal(LiteralRas2Form.DataAbsentReasonUrl, reason.Url);
        Assert.NotNull(prediction.QualitativeRisk);
    }
}
