using Hl7.Fhir.Model;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Outcomes;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.OutcomeTrends;

/// <summary>
/// <c>GET /fhir/Patient/{id}/$stm-outcomes</c>: the patient's pain and range of motion across their STM sessions as a
/// Parameters resource (OperationDefinition <c>stm-outcomes</c> in profiles/). It reads Patient, Procedure and Observation,
/// so the credential needs read on each; 404 with an OperationOutcome when the patient is not known.
/// </summary>
internal static class PatientOutcomesEndpoints
{
    /// <summary>The operation's name (without <c>$</c>).</summary>
    public const string OperationName = "stm-outcomes";

    /// <summary>The operation's canonical URL.</summary>
    public const string OperationUrl = Core.Terminology.StmCanonical.Base + "/OperationDefinition/stm-outcomes";

    private static readonly string[] s_readTypes = ["Patient", "Procedure", "Observation"];

    public static IEndpointRouteBuilder MapPatientOutcomes(this IEndpointRouteBuilder app)
    {
        app.MapGet(FhirUrls.Prefix + "/Patient/{id}/$" + OperationName, OutcomesAsync)
            .RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Read))
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> OutcomesAsync(string id, HttpContext context, IResourceStore store, CancellationToken cancellationToken)
    {
        if (s_readTypes.FirstOrDefault(t => !FhirAccess.Allows(context.User, FhirInteraction.Read, t)) is { } refused)
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                FhirAccess.Refusal(FhirInteraction.Read, refused) + "; $stm-outcomes reads Patient, Procedure and Observation");
        }
        var report = await PatientOutcomes.ReadAsync(store, id, cancellationToken).ConfigureAwait(false);
        return report is null
            ? Outcomes.NotFound($"Patient/{Outcomes.Quote(id)} is not known")
            : new FhirJsonResult(StatusCodes.Status200OK, OutcomeParameters.ToJson(report));
    }
}
