using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// The work and the counts of one pull (PULL.md): a scan per resource type, each from its own watermark, page by page.
/// The Procedure scan reads the sessions; the Observation and RiskAssessment scans find sessions whose parts changed
/// while their Procedure did not, and read those Procedures again. Every session read is stored the same way.
/// </summary>
/// <param name="target">The target's name.</param>
/// <param name="startedAt">When the pull started: the time of its failures.</param>
/// <param name="search">The target's searches.</param>
/// <param name="checks">What a session goes through before it is stored.</param>
/// <param name="store">Where sessions are stored.</param>
/// <param name="state">The watermarks.</param>
/// <param name="watermarks">The watermarks at the start, per type scanned.</param>
/// <param name="listed">The Procedures an earlier pull listed as not stored: those this pull stores are cleared.</param>
/// <param name="logger">Ids and counts only.</param>
/// <param name="conflicts">Whether a session may be stored, against what this target and the store last agreed on.</param>
internal sealed partial class PullRun(string target, DateTimeOffset startedAt, PullSearch search, PullChecks checks, IResourceStore store,
    IPullStateStore state, IReadOnlyDictionary<string, string> watermarks, IReadOnlySet<string> listed, ILogger logger, PullConflicts conflicts)
{
    // Follow-up searches name at most this many ids or references per request, to keep URLs short.
    private const int IdsPerSearch = 50;

    private const string SessionIncludes = "_include=Procedure:subject&_include=Procedure:performer&_revinclude=Observation:part-of";

    /// <summary>The scans, in order: each changed resource type that can change a session, and how to find its session.</summary>
    private static readonly PullScan[] s_scans =
    [
        new(nameof(Procedure), "Procedure?" + SessionIncludes + "&", _ => []),
        // part-of:missing=false leaves out the target's other Observations (vital signs, labs) that belong to no procedure.
        new(nameof(Observation), "Observation?part-of:missing=false&", r => ((Observation)r).PartOf),
        // R4 RiskAssessment has no search parameter for parent (nor for code), so every changed one is read.
        new(nameof(RiskAssessment), "RiskAssessment?", r => ((RiskAssessment)r).Parent is { } parent ? [parent] : []),
    ];

    private readonly Dictionary<string, DateTimeOffset> _watermarks = watermarks
        .Select(w => (w.Key, At: ParseInstant(w.Value)))
        .Where(w => w.At is not null)
        .ToDictionary(w => w.Key, w => w.At!.Value, StringComparer.Ordinal);

    private readonly Dictionary<string, SessionOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PullFailure> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cleared = new(StringComparer.Ordinal);
    private int _pages;

    private enum SessionOutcome { Skipped, Unchanged, Failed, Conflicted, Updated, Created }

    /// <summary>The types scanned, whose watermarks a pull reads.</summary>
    public static IEnumerable<string> ScannedTypes => s_scans.Select(s => s.Type);

    /// <summary>The Procedure watermark now (FHIR instant).</summary>
    public string? Watermark => _watermarks.TryGetValue(nameof(Procedure), out var at) ? FhirInstant.Format(at) : watermarks.GetValueOrDefault(nameof(Procedure));

    public IReadOnlyList<PullFailure> Failures => [.. _failures.Values];

    /// <summary>Of the Procedures listed as not stored at the start, those this pull stored or found not to be STM sessions.</summary>
    public IReadOnlyList<string> Cleared => [.. _cleared.Order(StringComparer.Ordinal)];

    /// <summary>Counts per distinct Procedure: one read twice in a pull (by two scans) counts once, by its strongest outcome.</summary>
    public PullCounts Counts() => new(_pages, _outcomes.Count,
        Count(SessionOutcome.Created), Count(SessionOutcome.Updated), Count(SessionOutcome.Unchanged), Count(SessionOutcome.Skipped), Count(SessionOutcome.Failed),
        Count(SessionOutcome.Conflicted));

    private int Count(SessionOutcome outcome) => _outcomes.Values.Count(o => o == outcome);

    /// <param name="since">Replaces every stored watermark for this pull, or null.</param>
    /// <param name="pageSize">Resources per search page.</param>
    /// <param name="cancellationToken">Cancels the pull.</param>
    public async Task ExecuteAsync(string? since, int pageSize, CancellationToken cancellationToken)
    {
        try
        {
            // Sessions whose conflict was decided for the target's version first: their watermark is past them.
            foreach (var chunk in conflicts.DecidedTheirs.Chunk(IdsPerSearch))
            {
                var decided = new Bundle { Type = Bundle.BundleType.Searchset };
                decided.Entry.AddRange(await search.AllEntriesAsync(
                    $"Procedure?_id={Uri.EscapeDataString(string.Join(',', chunk))}&{SessionIncludes}&_count={IdsPerSearch}", cancellationToken).ConfigureAwait(false));
                await StoreSessionsAsync(decided, cancellationToken).ConfigureAwait(false);
            }
            foreach (var scan in s_scans)
            {
                await ScanAsync(scan, since ?? watermarks.GetValueOrDefault(scan.Type), pageSize, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PullStoppedException e)
        {
            LogStopped(logger, target, e.Message);
            throw;
        }
    }

    private async Task ScanAsync(PullScan scan, string? since, int pageSize, CancellationToken cancellationToken)
    {
        // ge, not gt: a server may give several resources one lastUpdated, and one written in the same tick as the last
        // one read would be missed by gt. What ge reads again is stored again unchanged (idempotent).
        string? url = $"{scan.Query}_sort=_lastUpdated&_count={pageSize}" + (since is null ? "" : "&_lastUpdated=ge" + Uri.EscapeDataString(since));
        while (url is not null)
        {
            var page = await search.PageAsync(url, cancellationToken).ConfigureAwait(false);
            _pages++;
            var matches = page.Entry.Where(e => e.Resource?.TypeName == scan.Type && e.Search?.Mode != Bundle.SearchEntryMode.Include)
                .Select(e => e.Resource!).ToList();
            var sessions = scan.Type == nameof(Procedure) ? page : await SessionsOfAsync(matches, scan, cancellationToken).ConfigureAwait(false);
            await StoreSessionsAsync(sessions, cancellationToken).ConfigureAwait(false);

            // Only now, with every session of the page committed: a crash before this line reads the page again, never skips it.
            if (matches.Select(r => r.Meta?.LastUpdated).Where(t => t is not null).Max() is { } newest
                && (!_watermarks.TryGetValue(scan.Type, out var current) || newest > current))
            {
                await state.AdvanceWatermarkAsync(target, scan.Type, newest, cancellationToken).ConfigureAwait(false);
                _watermarks[scan.Type] = newest;
            }
            url = search.NextLink(page);
        }
    }

    /// <summary>The sessions (Procedures with their includes) that changed <paramref name="parts"/> belong to.</summary>
    private async Task<Bundle> SessionsOfAsync(List<Resource> parts, PullScan scan, CancellationToken cancellationToken)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        var ids = parts.SelectMany(scan.Parents).Select(r => TypeAndId(r?.Reference)).Where(r => r?.Type == nameof(Procedure))
            .Select(r => r!.Value.Id).Distinct(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(IdsPerSearch))
        {
            var found = await search.AllEntriesAsync($"Procedure?_id={Uri.EscapeDataString(string.Join(',', chunk))}&{SessionIncludes}&_count={IdsPerSearch}",
                cancellationToken).ConfigureAwait(false);
            bundle.Entry.AddRange(found);
        }
        return bundle;
    }

    private async Task StoreSessionsAsync(Bundle page, CancellationToken cancellationToken)
    {
        var procedures = page.Entry
            .Where(e => e.Resource is Procedure { Id: not null } && e.Search?.Mode != Bundle.SearchEntryMode.Include)
            .Select(e => (Procedure)e.Resource!)
            .DistinctBy(p => p.Id)
            .ToList();
        var related = page.Entry.Select(e => e.Resource).OfType<Resource>().Where(r => r is not Procedure and not OperationOutcome).ToList();
        await AddRelatedAsync([.. procedures.Where(StmBundleMapper.IsStmProcedure)], related, cancellationToken).ConfigureAwait(false);

        foreach (var procedure in procedures)
        {
            var (outcome, issues) = StmBundleMapper.IsStmProcedure(procedure)
                ? await StoreAsync(procedure, related, cancellationToken).ConfigureAwait(false)
                : (SessionOutcome.Skipped, []);
            Record(procedure.Id!, outcome);
            if (issues.Count > 0)
            {
                // To the millisecond, as the pull state keeps it.
                _failures[procedure.Id!] = new PullFailure(procedure.Id!, procedure.Meta?.VersionId, issues, DateTimeOffset.FromUnixTimeMilliseconds(startedAt.ToUnixTimeMilliseconds()));
                _cleared.Remove(procedure.Id!);
                LogProcedureFailed(logger, target, procedure.Id!, procedure.Meta?.VersionId, issues.Count, issues[0].Code, issues[0].Expression ?? issues[0].Location);
            }
            else
            {
                _failures.Remove(procedure.Id!);
                if (listed.Contains(procedure.Id!))
                {
                    _cleared.Add(procedure.Id!);
                }
            }
        }
    }

    private void Record(string procedureId, SessionOutcome outcome)
    {
        // Read again by a later scan and found unchanged, a session created or updated earlier in this pull stays so.
        if (!_outcomes.TryGetValue(procedureId, out var earlier) || outcome != SessionOutcome.Unchanged || earlier is not (SessionOutcome.Created or SessionOutcome.Updated))
        {
            _outcomes[procedureId] = outcome;
        }
    }

    /// <summary>Checks one Procedure's session as intake would (<see cref="PullChecks"/>), and stores it.</summary>
    private async Task<(SessionOutcome Outcome, IReadOnlyList<PullIssue> Issues)> StoreAsync(Procedure procedure, List<Resource> related, CancellationToken cancellationToken)
    {
        var (session, issues) = await checks.CheckAsync(procedure, related, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return (SessionOutcome.Failed, issues);
        }
        var changes = TransactionBundles.ToChangeSet(session, FhirPuller.Source(target)) with { Origin = target };
        var (commit, conflicted, pairs) = await conflicts.JudgeAsync(procedure, related, changes, cancellationToken).ConfigureAwait(false);
        if (!commit)
        {
            return (conflicted ? SessionOutcome.Conflicted : SessionOutcome.Unchanged, []);
        }
        CommitResult result;
        try
        {
            result = await store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreRejectedException e)
        {
            return (SessionOutcome.Failed, [new PullIssue(PullIssueCodes.RefusedByStore, $"Bundle.entry[{e.ChangeIndex}]", null)]);
        }
        await conflicts.RecordAsync(procedure, pairs, changes, result, cancellationToken).ConfigureAwait(false);
        var outcome = result.Entries.Any(e => e.Resource.Type == nameof(Procedure) && e.Outcome == ChangeOutcome.Created) ? SessionOutcome.Created
            : result.Changed ? SessionOutcome.Updated
            : SessionOutcome.Unchanged;
        return (outcome, []);
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
            related.AddRange(await search.AllAsync(
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
                related.AddRange(await search.AllAsync(
                    $"{byType.Key}?_id={Uri.EscapeDataString(string.Join(',', chunk))}&_count={IdsPerSearch}", cancellationToken).ConfigureAwait(false));
            }
        }
    }

    /// <summary><c>Type/id</c> of a relative or absolute reference (its last two segments), or null.</summary>
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull from {Target}: Procedure/{ProcedureId} version {VersionId} not stored ({IssueCount} errors, first {FirstCode} at {FirstPath})")]
    private static partial void LogProcedureFailed(ILogger logger, string target, string procedureId, string? versionId, int issueCount, string firstCode, string? firstPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull from {Target} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string target, string reason);

    /// <summary>A resource type scanned by <c>_lastUpdated</c>, and the references from one of its resources to its session's Procedure.</summary>
    private sealed record PullScan(string Type, string Query, Func<Resource, IEnumerable<ResourceReference>> Parents);
}
