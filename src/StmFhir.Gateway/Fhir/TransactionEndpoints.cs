using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>POST /fhir</c>: a transaction Bundle is validated as a whole and stored atomically (all entries or none, one outbox
/// row); a batch Bundle's entries (GET, POST, PUT) each succeed or fail on their own.
/// </summary>
internal static class TransactionEndpoints
{
    public static IEndpointRouteBuilder MapFhirTransactions(this IEndpointRouteBuilder app)
    {
        app.MapPost(FhirUrls.Prefix, PostAsync).ExcludeFromDescription().RequireAuthorization(Scopes.BundlePolicy);
        return app;
    }

    private static async Task<IResult> PostAsync(HttpContext context, FhirRequestReader reader, IngestService ingest, IResourceStore store,
        IOptions<FhirOptions> options)
    {
        var cancellationToken = context.RequestAborted;
        var body = await reader.ReadResourceAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } resource)
        {
            return body.Error!;
        }
        if (resource is not Bundle { Type: Bundle.BundleType.Transaction or Bundle.BundleType.Batch } bundle)
        {
            return Outcomes.BadRequest("POST /fhir takes a Bundle of type transaction or batch");
        }
        if (bundle.Entry.Count > options.Value.MaxBundleEntries)
        {
            // Refused before any entry is validated, run or stored: the work and the answer grow with the entries.
            return Outcomes.Result(StatusCodes.Status413PayloadTooLarge, Outcomes.Create([Outcomes.Issue(OperationOutcome.IssueType.TooCostly,
                $"A {(bundle.Type == Bundle.BundleType.Batch ? "batch" : "transaction")} takes at most {options.Value.MaxBundleEntries} entries " +
                $"(Fhir:MaxBundleEntries); this one has {bundle.Entry.Count}", expression: "Bundle.entry")]));
        }
        if (bundle.Type == Bundle.BundleType.Batch)
        {
            return await BatchAsync(context, bundle, ingest, store, options.Value, cancellationToken).ConfigureAwait(false);
        }
        // All or nothing: one entry the credential may not write refuses the transaction before anything is validated.
        var refusals = bundle.Entry.Select((e, i) => EntryAccess.WriteRefusal(context.User, e) is { } refusal
            ? Outcomes.Issue(OperationOutcome.IssueType.Forbidden, refusal, expression: $"Bundle.entry[{i}]")
            : null).OfType<OperationOutcome.IssueComponent>().ToList();
        if (refusals.Count > 0)
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, Outcomes.Create(refusals));
        }
        var outcome = await ingest.IngestAsync(bundle, "fhir-transaction", cancellationToken).ConfigureAwait(false);
        return (IResult?)IngestAnswers.Refusal(outcome) ?? TransactionResponse(outcome, bundle.Entry.Count);
    }

    /// <summary>
    /// The transaction-response: each entry's result, and in <c>response.outcome</c> the warnings and information issues
    /// of that entry. The DetectedIssues intake added after the entries are not entries of the request, so not of the answer.
    /// </summary>
    private static BundleResult TransactionResponse(IngestOutcome outcome, int requestEntries)
    {
        var entries = outcome.Committed!.Entries.Take(requestEntries).ToList();
        var issues = AcceptedIssues.ByEntry(AcceptedIssues.Of(outcome.Verdict), entries.Count);
        return BundleJson.Response("transaction-response", [.. entries.Select((entry, i) => issues.TryGetValue(i, out var mine)
            ? BundleJson.ForCommitted(entry) with { OutcomeJson = FhirJsonResult.Serialize(Outcomes.Create(mine)) }
            : BundleJson.ForCommitted(entry))]);
    }

    /// <remarks>
    /// The answer is bounded by <see cref="FhirOptions.MaxResponseBytes"/>: each GET gets what is left of it (a search page
    /// ends early there, with a <c>next</c> link), and once it is spent every further GET answers 413 without running, so
    /// the client can send those again. Writes always run: their answers carry no resource.
    /// </remarks>
    private static async Task<IResult> BatchAsync(HttpContext context, Bundle bundle, IngestService ingest, IResourceStore store,
        FhirOptions options, CancellationToken cancellationToken)
    {
        var responses = new List<ResponseEntry>(bundle.Entry.Count);
        var notRun = Failed("413 Payload Too Large", OperationOutcome.IssueType.TooCostly,
            $"Not run: the batch's answer reached Fhir:MaxResponseBytes ({options.MaxResponseBytes} bytes) before this entry; send it again in another request");
        var left = options.MaxResponseBytes;
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            // Room is kept for the answer every later entry has at least (a 413 like this one), so the whole answer stays
            // within the limit however many GETs the batch holds.
            var room = left - (long)(bundle.Entry.Count - i - 1) * notRun.Size;
            var response = entry.Request?.Method != Bundle.HTTPVerb.GET
                ? EntryAccess.WriteRefusal(context.User, entry) is { } refusal
                    ? Failed("403 Forbidden", OperationOutcome.IssueType.Forbidden, refusal)
                    : await WriteAsync(entry, i, ingest, cancellationToken).ConfigureAwait(false)
                : room > notRun.Size
                    ? await GetAsync(context, entry.Request.Url ?? "", store, options, room, cancellationToken).ConfigureAwait(false)
                    : notRun;
            left -= response.Size;
            responses.Add(response);
        }
        return BundleJson.Response("batch-response", responses);
    }

    private static async Task<ResponseEntry> WriteAsync(Bundle.EntryComponent entry, int index, IngestService ingest, CancellationToken cancellationToken)
    {
        var outcome = await ingest.IngestAsync(entry, index, "fhir-batch", cancellationToken).ConfigureAwait(false);
        if (IngestAnswers.EntryRefusal(outcome) is { } refusal)
        {
            return refusal;
        }
        var committed = BundleJson.ForCommitted(outcome.Committed!.Entries[0]);
        return AcceptedIssues.Of(outcome.Verdict) is { Count: > 0 } issues
            ? committed with { OutcomeJson = FhirJsonResult.Serialize(Outcomes.Create(issues)) }
            : committed;
    }

    private static async Task<ResponseEntry> GetAsync(HttpContext context, string url, IResourceStore store, FhirOptions options, long maxBytes,
        CancellationToken cancellationToken)
    {
        var question = url.IndexOf('?', StringComparison.Ordinal);
        var path = (question < 0 ? url : url[..question]).Trim('/').Split('/');
        if (!SearchParameterCatalog.IsSupported(path[0]))
        {
            return Failed("404 Not Found", OperationOutcome.IssueType.NotFound, $"{path[0]} is not kept by this server");
        }
        if (EntryAccess.ReadRefusal(context.User, path) is { } refusal)
        {
            return Failed("403 Forbidden", OperationOutcome.IssueType.Forbidden, refusal);
        }
        switch (path)
        {
            case [var type] :
                var parameters = QueryHelpers.ParseQuery(question < 0 ? "" : url[question..])
                    .SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
                var restriction = FhirAccess.SearchRestriction(context.User, type) ?? [];
                var parsed = SearchQueryParser.Parse(type, [.. parameters, .. restriction], options.SearchLimits());
                if (parsed.Query is not { } query)
                {
                    return Failed("400 Bad Request", OperationOutcome.IssueType.NotSupported, string.Join("; ", parsed.Problems));
                }
                if (SearchEndpoints.ChainRefusal(context.User, query) is { } chainRefusal)
                {
                    return Failed("403 Forbidden", OperationOutcome.IssueType.Forbidden, chainRefusal);
                }
                var result = await store.SearchAsync(query with { MaxBytes = maxBytes }, cancellationToken).ConfigureAwait(false);
                var baseUrl = FhirUrls.Base(context.Request);
                return new ResponseEntry("200 OK")
                {
                    ResourceJson = await BundleJson.SearchSetStringAsync(result.Total, result.Resources, baseUrl,
                        PageLinks.For($"{baseUrl}/{type}", parameters, query.Count, query.Offset, result.Resources.Count, result.Total), cancellationToken,
                        SearchEndpoints.Readable(context.User, result)).ConfigureAwait(false),
                };
            case [var type, var id]:
                return Read(await store.ReadAsync(type, id, cancellationToken).ConfigureAwait(false), $"{type}/{id}");
            case [var type, var id, "_history", var version] when int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number):
                return Read(await store.ReadVersionAsync(type, id, number, cancellationToken).ConfigureAwait(false), $"{type}/{id}/_history/{version}");
            default:
                return Failed("400 Bad Request", OperationOutcome.IssueType.NotSupported, "A batch GET must be Type, Type?query, Type/id or Type/id/_history/version");
        }
    }

    private static ResponseEntry Read(StoredResource? stored, string what) => stored is null
        ? Failed("404 Not Found", OperationOutcome.IssueType.NotFound, $"{what} is not known")
        : stored.IsDeleted
        ? Failed("410 Gone", OperationOutcome.IssueType.Deleted, $"{what} is a deleted version")
        : new ResponseEntry("200 OK") { ResourceJson = stored.Json, ETag = stored.ETag, LastModified = stored.LastUpdated };

    private static ResponseEntry Failed(string status, OperationOutcome.IssueType type, string message) =>
        new(status) { OutcomeJson = FhirJsonResult.Serialize(Outcomes.Create(type, message)) };
}
