using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Security;
using StmFhir.Gateway.Telemetry;

namespace StmFhir.Gateway.Sessions;

/// <summary>One stored resource of an accepted session.</summary>
/// <param name="ResourceType">The FHIR resource type.</param>
/// <param name="Id">Its id on this server.</param>
/// <param name="VersionId">Its current version.</param>
/// <param name="Outcome">created, updated, unchanged (same content as before) or matched (an existing Patient/Practitioner).</param>
internal sealed record StoredSessionResource(string ResourceType, string Id, string VersionId, string Outcome);

/// <summary>A warning or information issue of an accepted session (errors refuse it with 422).</summary>
/// <param name="Severity">warning or information.</param>
/// <param name="Code">The stable code, e.g. <c>STM-CLIN-008</c> (petechiae) or <c>FIRELY-nnnn</c>.</param>
/// <param name="Message">What was found, for a person.</param>
/// <param name="Expression">FHIRPath to the element of the session's FHIR Bundle, e.g. <c>Bundle.entry[2].resource.complication[0]</c>.</param>
/// <param name="Location">The STM field path the element came from, e.g. <c>$.complications[0]</c>; null when no single field did.</param>
internal sealed record SessionIssue(string Severity, string Code, string Message, string? Expression, string? Location);

/// <summary>The answer to an accepted session.</summary>
/// <param name="SessionId">The session's id in its source system.</param>
/// <param name="Outcome">created (first time), updated (changed since last sent) or unchanged (a re-send).</param>
/// <param name="Procedure">The session's Procedure, <c>Procedure/{id}</c>.</param>
/// <param name="Resources">Every resource of the session's Bundle, in Bundle order, then the DetectedIssues of its clinical findings (new, unchanged, or retired as entered-in-error).</param>
/// <param name="Issues">Every warning and information issue validation found (all layers, clinical rules included); empty when none.</param>
internal sealed record SessionAccepted(string SessionId, string Outcome, string Procedure, IReadOnlyList<StoredSessionResource> Resources,
    IReadOnlyList<SessionIssue> Issues);

/// <summary>
/// <c>POST /stm/sessions</c>: read the STM session record, map it to a transaction Bundle, validate it (every layer), and
/// store it with its outbox row in one database transaction.
/// </summary>
internal static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapStmSessions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/stm/sessions", PostAsync)
            .RequireAuthorization(Scopes.SessionPolicy)
            .WithName("PostSession")
            .WithTags("STM sessions")
            .WithSummary("Accept an STM session record")
            .WithDescription("Maps the session to FHIR, validates it against the StmFhir profiles and clinical rules, and stores it. "
                + "201 the first time, 200 for a re-send (unchanged) or a changed session (new versions). "
                + "Both carry `issues`: every warning and information issue (code, severity, message, FHIRPath `expression`, STM field path `location`), the same on a re-send. "
                + "Errors are FHIR OperationOutcomes: 400 malformed JSON, 413 too large, 422 invalid (every problem, with the STM field path in issue.location).")
            .Accepts<object>("application/json")
            .Produces<SessionAccepted>(StatusCodes.Status201Created)
            .Produces<SessionAccepted>(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status400BadRequest, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status401Unauthorized, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status403Forbidden, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status413PayloadTooLarge, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status415UnsupportedMediaType, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status422UnprocessableEntity, contentType: FhirJsonResult.FhirJson);
        return app;
    }

    private static async Task<IResult> PostAsync(HttpRequest request, FhirRequestReader reader, IngestService ingest, CancellationToken cancellationToken)
    {
        var (read, answer) = await SessionRequests.ReadAsync(request, reader, StatusCodes.Status422UnprocessableEntity, cancellationToken).ConfigureAwait(false);
        if (read is not { } session)
        {
            IntakeTelemetry.Refused("unreadable");
            return answer!;
        }
        var bundle = StmBundleMapper.ToBundle(session);
        var outcome = await ingest.IngestAsync(bundle, "stm-session", cancellationToken).ConfigureAwait(false);
        var issues = AcceptedIssues.Of(outcome.Verdict);
        if (issues.Count > 0)
        {
            SessionRequests.LocateInSession(issues, session, bundle);
        }
        if (IngestAnswers.Refusal(outcome) is { } refusal)
        {
            IntakeTelemetry.Refused(outcome);
            return refusal;
        }
        var committed = outcome.Committed!;
        var procedureEntry = committed.Entries.First(e => e.Resource.Type == "Procedure");
        var procedure = procedureEntry.Resource;
        var accepted = new SessionAccepted(
            session.SessionId,
            procedureEntry.Outcome == ChangeOutcome.Created ? "created" : committed.Changed ? "updated" : "unchanged",
            $"Procedure/{procedure.Id}",
            [.. committed.Entries.Select(e => new StoredSessionResource(e.Resource.Type, e.Resource.Id,
                e.Resource.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Outcome.ToString().ToLowerInvariant()))],
            [.. issues.Select(i => new SessionIssue(i.Severity?.GetLiteral() ?? "information", AcceptedIssues.CodeOf(i)!, i.Diagnostics ?? "",
                i.Expression.FirstOrDefault(), i.Location.FirstOrDefault()))]);
        IntakeTelemetry.Stored(accepted.Outcome == "created" ? "accepted" : accepted.Outcome);
        var location = FhirUrls.Resource(request, "Procedure", procedure.Id);
        return accepted.Outcome == "created"
            ? TypedResults.Created(location, accepted)
            : TypedResults.Ok(accepted);
    }
}
