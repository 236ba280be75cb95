using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// Pulls one target (PULL.md): searches what changed since the target's watermarks, fetches what each session needs,
/// maps it back to an STM session and forward again, validates it and stores it like an intake (deterministic ids and identifiers make
/// that idempotent), and only then advances the watermark past the page (<see cref="PullRun"/>); records the result.
/// </summary>
internal sealed partial class FhirPuller(
    FhirTargets targets, IResourceStore store, IPullStateStore state, IPullValidator validator, TimeProvider time, ILogger<FhirPuller> logger) : IFhirPuller
{
    /// <summary>The outbox source of pulled changes: <c>pull:&lt;target&gt;</c>.</summary>
    public static string Source(string target) => "pull:" + target;

    public async Task<PullResult> PullAsync(PullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = targets.GetOptions(request.Target);
        var startedAt = time.GetUtcNow();
        var stored = await state.GetPullStateAsync(request.Target, cancellationToken).ConfigureAwait(false);
        var watermarks = stored?.Watermarks ?? new Dictionary<string, string>();
        var since = request.Since is { } given ? FhirInstant.Format(given) : null;
        var listed = (stored?.Failures ?? []).Select(f => f.ProcedureId).ToHashSet(StringComparer.Ordinal);
        var conflictStore = ConflictResourceStoreExtensions.Find(store);
        var unresolved = conflictStore is null ? [] : await conflictStore.ListAsync(request.Target, cancellationToken: cancellationToken).ConfigureAwait(false);
        var run = new PullRun(request.Target, startedAt, new PullSearch(targets.CreateClient(request.Target), BaseUrl(options)), new PullChecks(validator),
            store, state, watermarks, listed, logger, new PullConflicts(request.Target, conflictStore, options.ConflictPolicy, store, unresolved));

        string? error = null;
        try
        {
            await run.ExecuteAsync(since, request.PageSize ?? options.Pull.PageSize, cancellationToken).ConfigureAwait(false);
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
            // The store failed (database down, ...): what was committed stays, the watermarks stay behind the rest.
            error = $"{e.GetType().Name}: {e.Message}";
            LogRunException(logger, request.Target, e.GetType().Name);
        }

        var result = new PullResult
        {
            Target = request.Target,
            StartedAt = startedAt,
            Since = since ?? watermarks.GetValueOrDefault(nameof(Hl7.Fhir.Model.Procedure)),
            Watermark = run.Watermark,
            Counts = run.Counts(),
            Failures = run.Failures,
            Cleared = run.Cleared,
            Error = error,
        };
        await state.RecordPullAsync(result, CancellationToken.None).ConfigureAwait(false);
        Telemetry.ExchangeTelemetry.Watermark(request.Target, result.Watermark ?? result.Since);
        LogPulled(logger, request.Target, result.Counts.Pages, result.Counts.Fetched, result.Counts.Created, result.Counts.Updated,
            result.Counts.Unchanged, result.Counts.Skipped, result.Counts.Failed, result.Counts.Conflicted, result.Watermark, error is not null);
        return result;
    }

    private static Uri BaseUrl(FhirTargetOptions options) =>
        options.BaseUrl!.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled from {Target}: {Pages} pages, {Fetched} Procedures, {Created} new, {Updated} updated, {Unchanged} unchanged, {Skipped} skipped, {Failed} failed, {Conflicted} in conflict; Procedure watermark {Watermark}; stopped early {Stopped}")]
    private static partial void LogPulled(ILogger logger, string target, int pages, int fetched, int created, int updated, int unchanged, int skipped, int failed, int conflicted, string? watermark, bool stopped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pull from {Target} stopped by a {ExceptionType}")]
    private static partial void LogRunException(ILogger logger, string target, string exceptionType);
}
