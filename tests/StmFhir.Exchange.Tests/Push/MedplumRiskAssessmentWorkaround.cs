using Hl7.Fhir.Model;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// Turns the peer's resource validation off while a Bundle with a RiskAssessment prediction is delivered, and on again
/// after: Medplum 4.5.2 refuses every prediction without a probability (its ras-2 evaluation, see
/// <see cref="SampleDeliveryTests.ScreeningWithAPredictionIsRefusedByMedplumsValidatorAsAPermanentFailure"/>).
/// Bundles without one are delivered with validation on, as real Medplum has it.
/// </summary>
internal sealed class MedplumRiskAssessmentWorkaround(PeerFhirServer? peer) : IAsyncDisposable
{
    public static async Task<MedplumRiskAssessmentWorkaround> ForAsync(PeerFhirServer peer, params Bundle[] bundles)
    {
        if (!bundles.SelectMany(b => b.Entry).Any(e => e.Resource is RiskAssessment { Prediction.Count: > 0 }))
        {
            return new MedplumRiskAssessmentWorkaround(null);
        }
        await peer.ConfigureAsync("""{"validate":false}""");
        return new MedplumRiskAssessmentWorkaround(peer);
    }

    public async ValueTask DisposeAsync()
    {
        if (peer is not null)
        {
            await peer.ConfigureAsync("""{"validate":true}""");
        }
    }
}
