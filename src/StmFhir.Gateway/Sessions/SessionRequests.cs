using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Sessions;

/// <summary>What <c>POST /stm/sessions</c> and <c>POST /stm/sessions/$validate</c> do alike with a session record.</summary>
internal static class SessionRequests
{
    /// <summary>
    /// The session record of a JSON request, or the answer to give instead: 415 for another media type, the reader's
    /// answer for a body it refuses, and <paramref name="problemStatus"/> with one issue per field problem (its path in
    /// <c>location</c>) for a record that does not read as a session.
    /// </summary>
    public static async Task<(StmSession? Session, IResult? Answer)> ReadAsync(HttpRequest request, FhirRequestReader reader, int problemStatus,
        CancellationToken cancellationToken)
    {
        if (FhirRequestReader.BodyKind(request.ContentType) != "json")
        {
            return (null, Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported, "Send the session as application/json"));
        }
        var body = await reader.ReadBytesAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return (null, body.Error!);
        }
        var read = reader.ReadSession(bytes);
        if (read.Value is not { } result)
        {
            return (null, read.Error!);
        }
        if (result.Session is not { } session)
        {
            return (null, Outcomes.Result(problemStatus, Outcomes.Create(result.Problems.Select(p =>
                Outcomes.Issue(OperationOutcome.IssueType.Invalid, $"{p.Path}: {p.Message}", location: p.Path)))));
        }
        return (session, null);
    }

    /// <summary>Puts each issue's STM field path (where its FHIRPath maps back to one) in its <c>location</c>.</summary>
    public static void LocateInSession(IEnumerable<OperationOutcome.IssueComponent> issues, StmSession session, Bundle bundle)
    {
        var paths = new StmSourcePaths(session, bundle);
        foreach (var issue in issues)
        {
            if (paths.For(issue.Expression.FirstOrDefault()) is { } path)
            {
                issue.Location = [path];
            }
        }
    }
}
