using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Logging;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Client;
using StmFhir.Exchange.Storage;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Sync;

/// <summary>
/// One pull of one target, page by page (PULL.md): search the Procedures changed since the watermark, fetch what each
/// one's session needs, map it back to an STM session and forward again, store it like an intake (deterministic ids
/// and identifiers make that idempotent), and only then advance the watermark past the page.
/// </summary>
internal sealed partial class FhirPuller(
    FhirTargets targets, IResourceStore store, IPullStateStore state, TimeProvider time, ILogger<FhirPuller> logger) : IFhirPuller
{
    /// <summary>The outbox source of pulled changes: <c>pull:&lt;target&gt;</c>.</summary>
    public static string Source(string target) => "pull:" + target;

    public async Task<PullResult> PullAsync(PullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = targets.GetOptions(request.Target);
        var startedAt = time.GetUtcNow();
        var stored = await state.GetPullStateAsync(request.Target, cancellationToken).ConfigureAwait(false);
        var since = request.Since is { } given ? FhirInstant.Format(given) : stored?.Watermark;
        var run = new Run(request.Target, targets.CreateClient(request.Target), BaseUrl(options), store, state, stored?.Watermark);

        string? error = null;
        try
        {
            await run.ExecuteAsync(since, request.PageSize ?? options.Pull.PageSize, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (PullStoppedException e)
        {
            error = e.Message;
        }
        catch (FhirTransportException e)
        {
            error = e.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store failed (database down, ...): nothing after the last committed page counts, the watermark stays.
            error = $"{e.GetType().Name}: {e.Message}";
            LogRunException(logger, request.Target, e.GetType().Name);
        }

        var result = new PullResult
        {
            Target = request.Target,
            StartedAt = startedAt,
            Since = since,
            Watermark = run.Watermark,
            Counts = run.Counts(),
            Failures = run.Failures,
            Error = error,
        };
        await state.RecordPullAsync(result, CancellationToken.None).ConfigureAwait(false);
        LogPulled(logger, request.Target, result.Counts.Pages, result.Counts.Fetched, result.Counts.Created, result.Counts.Updated,
            result.Counts.Unchanged, result.Counts.Skipped, result.Counts.Failed, result.Watermark, error is not null);
        return result;
    }

    private static Uri BaseUrl(FhirTargetOptions options) =>
        options.BaseUrl!.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled from {Target}: {Pages} pages, {Fetched} Procedures, {Created} new, {Updated} updated, {Unchanged} unchanged, {Skipped} skipped, {Failed} failed; watermark {Watermark}; stopped early {Stopped}")]
    private static partial void LogPulled(ILogger logger, string target, int pages, int fetched, int created, int updated, int unchanged, int skipped, int failed, string? watermark, bool stopped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pull from {Target} stopped by a {ExceptionType}")]
    private static partial void LogRunException(ILogger logger, string target, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull from {Target}: Procedure/{ProcedureId} not stored ({ProblemCount} problems, first at {FirstPath})")]
    private static partial void LogProcedureFailed(ILogger logger, string target, string procedureId, int problemCount, string firstPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull from {Target} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string target, string reason);

    /// <summary>The target answered something a pull cannot go on from; the message names no resource content.</summary>
    private sealed class PullStoppedException(string message) : Exception(message);

    /// <summary>The state of one pull.</summary>
    private sealed class Run(string target, FhirTargetClient client, Uri baseUrl, IResourceStore store, IPullStateStore state, string? watermark)
    {
        // Follow-up searches name at most this many ids or references per request, to keep URLs short.
        private const int IdsPerSearch = 50;

        // A search of related resources reads at most this many pages: a guard against a server whose links loop.
        private const int MaxRelatedPages = 100;

        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private DateTimeOffset? _watermark = ParseInstant(watermark);
        private int _pages, _fetched, _created, _updated, _unchanged, _skipped;

        public List<PullFailure> Failures { get; } = [];

        public string? Watermark { get; private set; } = watermark;

        public PullCounts Counts() => new(_pages, _fetched, _created, _updated, _unchanged, _skipped, Failures.Count);

        public async Task ExecuteAsync(string? since, int pageSize, ILogger logger, CancellationToken cancellationToken)
        {
            // ge, not gt: a server may give several resources one lastUpdated, and one written in the same millisecond
            // as the last one read could be missed by gt. What ge re-reads is stored again unchanged (idempotent).
            var url = $"Procedure?_sort=_lastUpdated&_count={pageSize}&_include=Procedure:subject&_include=Procedure:performer&_revinclude=Observation:part-of"
                + (since is null ? "" : "&_lastUpdated=ge" + Uri.EscapeDataString(since));
            try
            {
                while (url is not null)
                {
                    var page = await SearchAsync(url, cancellationToken).ConfigureAwait(false);
                    _pages++;
                    await StorePageAsync(page, logger, cancellationToken).ConfigureAwait(false);
                    url = NextLink(page);
                }
            }
            catch (PullStoppedException e)
            {
                LogStopped(logger, target, e.Message);
                throw;
            }
        }

        private async Task StorePageAsync(Bundle page, ILogger logger, CancellationToken cancellationToken)
        {
            var procedures = page.Entry
                .Where(e => e.Resource is Procedure && e.Search?.Mode != Bundle.SearchEntryMode.Include)
                .Select(e => (Procedure)e.Resource!)
                .Where(p => p.Id is not null && _seen.Add(p.Id))
                .ToList();
            var related = page.Entry.Select(e => e.Resource).OfType<Resource>().Where(r => r is not Procedure and not OperationOutcome).ToList();
            var sessions = procedures.Where(StmBundleMapper.IsStmProcedure).ToList();
            await AddRelatedAsync(sessions, related, cancellationToken).ConfigureAwait(false);

            foreach (var procedure in procedures)
            {
                _fetched++;
                if (!StmBundleMapper.IsStmProcedure(procedure))
                {
                    _skipped++;
                    continue;
                }
                var problems = await StoreAsync(procedure, related, cancellationToken).ConfigureAwait(false);
                if (problems.Count > 0)
                {
                    Failures.Add(new PullFailure(procedure.Id!, string.Join("; ", problems)));
                    LogProcedureFailed(logger, target, procedure.Id!, problems.Count, problems[0].Split(':')[0]);
                }
            }

            // Only now, with every session of the page committed: a crash before this line re-reads the page, never skips it.
            var latest = procedures.Select(p => p.Meta?.LastUpdated).Where(t => t is not null).Max();
            if (latest is { } newest && (_watermark is null || newest > _watermark))
            {
                await state.AdvanceWatermarkAsync(target, newest, cancellationToken).ConfigureAwait(false);
                _watermark = newest;
                Watermark = FhirInstant.Format(newest);
            }
        }

        /// <summary>Maps one Procedure's session back, checks it as an STM record, and stores it; the problems, if any.</summary>
        private async Task<List<string>> StoreAsync(Procedure procedure, List<Resource> related, CancellationToken cancellationToken)
        {
            var read = StmBundleMapper.ToSessions([procedure, .. related]).Single();
            if (!read.IsValid)
            {
                return [.. read.Problems.Select(p => p.ToString())];
            }
            // The session format's own rules (lengths, ranges, end not before start): what intake would refuse is refused here too.
            var check = StmSessionReader.Read(StmSessionWriter.Write(read.Session!));
            if (!check.IsValid)
            {
                return [.. check.Problems.Select(p => p.ToString())];
            }
            var changes = TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(check.Session!), Source(target)) with { Origin = target };
            CommitResult result;
            try
            {
                result = await store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreRejectedException e)
            {
                return [$"Bundle.entry[{e.ChangeIndex}]: refused by the store ({e.Reason})"];
            }
            if (result.Entries.Any(e => e.Resource.Type == nameof(Procedure) && e.Outcome == ChangeOutcome.Created))
            {
                _created++;
            }
            else if (result.Changed)
            {
                _updated++;
            }
            else
            {
                _unchanged++;
            }
            return [];
        }

        /// <summary>
        /// Adds what the sessions need beyond the page's includes: their screenings (RiskAssessment has no search parameter
        /// for <c>parent</c>, so those of the sessions' patients, matched on <c>parent</c> by the mapper), the screenings'
        /// findings and medications, and any Patient or Practitioner the server did not include.
        /// </summary>
        private async Task AddRelatedAsync(List<Procedure> sessions, List<Resource> related, CancellationToken cancellationToken)
        {
            if (sessions.Count == 0)
            {
                return;
            }
            var patients = sessions.Select(p => TypeAndId(p.Subject?.Reference)).Where(r => r?.Type == nameof(Patient)).Select(r => r!.Value.Id);
            foreach (var chunk in patients.Distinct(StringComparer.Ordinal).Chunk(IdsPerSearch))
            {
                related.AddRange(await SearchAllAsync(
                    $"RiskAssessment?subject={Uri.EscapeDataString(string.Join(',', chunk.Select(id => "Patient/" + id)))}&_count=100", cancellationToken).ConfigureAwait(false));
            }
            var references = sessions.SelectMany(p => p.Performer.Select(x => x.Actor).Append(p.Subject))
                .Concat(related.OfType<RiskAssessment>().SelectMany(r => r.Basis))
                .Select(r => TypeAndId(r?.Reference))
                .OfType<(string Type, string Id)>()
                .ToHashSet();
            references.ExceptWith(related.Where(r => r.Id is not null).Select(r => (r.TypeName, r.Id!)));
            foreach (var byType in references.GroupBy(r => r.Type))
            {
                foreach (var chunk in byType.Select(r => r.Id).Chunk(IdsPerSearch))
                {
                    related.AddRange(await SearchAllAsync(
                        $"{byType.Key}?_id={Uri.EscapeDataString(string.Join(',', chunk))}&_count={IdsPerSearch}", cancellationToken).ConfigureAwait(false));
                }
            }
        }

        private async Task<List<Resource>> SearchAllAsync(string? url, CancellationToken cancellationToken)
        {
            var found = new List<Resource>();
            for (var pages = 0; url is not null && pages < MaxRelatedPages; pages++)
            {
                var page = await SearchAsync(url, cancellationToken).ConfigureAwait(false);
                found.AddRange(page.Entry.Select(e => e.Resource).OfType<Resource>().Where(r => r is not OperationOutcome));
                url = NextLink(page);
            }
            return found;
        }

        private async Task<Bundle> SearchAsync(string relativeUrl, CancellationToken cancellationToken)
        {
            var response = await client.SendAsync(HttpMethod.Get, relativeUrl, null, cancellationToken).ConfigureAwait(false);
            var what = relativeUrl.Split('?')[0];
            if (!response.IsSuccess)
            {
                throw new PullStoppedException($"searching {what} answered {response.Status}");
            }
            try
            {
                return FhirJson.Deserialize<Bundle>(Encoding.UTF8.GetString(response.Body)) is { Type: Bundle.BundleType.Searchset } bundle
                    ? bundle
                    : throw new PullStoppedException($"searching {what} did not answer with a searchset Bundle");
            }
            catch (Exception e) when (e is DeserializationFailedException or JsonException or InvalidCastException)
            {
                throw new PullStoppedException($"searching {what} did not answer with FHIR JSON");
            }
        }

        /// <summary>The page's <c>next</c> link relative to the base, or null; a link to another server stops the pull.</summary>
        private string? NextLink(Bundle page)
        {
            if (page.Link.FirstOrDefault(l => l.Relation == "next")?.Url is not { Length: > 0 } link)
            {
                return null;
            }
            // Credentials go with every request to the target: a link elsewhere must not be followed.
            if (!Uri.TryCreate(link, UriKind.Absolute, out var uri)
                || Uri.Compare(uri, baseUrl, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) != 0
                || !uri.AbsolutePath.StartsWith(baseUrl.AbsolutePath, StringComparison.Ordinal))
            {
                throw new PullStoppedException($"a next link leaves the target's base URL {baseUrl}; it was not followed");
            }
            return uri.PathAndQuery[baseUrl.AbsolutePath.Length..];
        }

        /// <summary><c>Type/id</c> of a relative or absolute reference (the last two segments), or null.</summary>
        private static (string Type, string Id)? TypeAndId(string? reference)
        {
            if (reference is null || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal))
            {
                return null;
            }
            var parts = reference.Split('/');
            return parts.Length >= 2 && parts[^2].Length > 0 && parts[^1].Length > 0 && char.IsUpper(parts[^2][0]) ? (parts[^2], parts[^1]) : null;
        }

        private static DateTimeOffset? ParseInstant(string? value) =>
            value is not null && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var instant) ? instant : null;
    }
}
