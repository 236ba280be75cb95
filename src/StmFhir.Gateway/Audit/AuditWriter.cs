using Microsoft.Extensions.Options;
using StmFhir.Exchange.Audit;
using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Drains <see cref="AuditQueue"/>: once records are waiting it gathers them for <see cref="AuditOptions.FlushInterval"/>,
/// then writes them in transactions of at most <see cref="AuditOptions.BatchSize"/>; at stop it writes what is left. It
/// also deletes records older than <see cref="AuditOptions.RetentionDays"/>, at start and every hour.
/// </summary>
internal sealed partial class AuditWriter(AuditQueue queue, IResourceStore store, IOptions<AuditOptions> options, TimeProvider time,
    ILogger<AuditWriter> logger) : BackgroundService
{
    private static readonly TimeSpan s_purgeEvery = TimeSpan.FromHours(1);
    private readonly AuditOptions _options = options.Value;
    private long _written;
    private long _failed;

    /// <summary>Records written since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records lost to failed writes since start.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var purging = PurgeLoopAsync(stoppingToken);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                // Gathering for a while makes one transaction (one durable commit) of many records.
                await Task.Delay(_options.FlushInterval, time, stoppingToken).ConfigureAwait(false);
                await DrainAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
        await purging.ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every queued record now, in batches. Returns how many were written.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        var batch = new List<AuditRecord>(_options.BatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < _options.BatchSize && queue.TryDequeue(out var entry))
            {
                batch.Add(AuditEventBuilder.Build(entry, Guid.CreateVersion7(entry.Recorded).ToString()));
            }
            if (batch.Count == 0)
            {
                return total;
            }
            try
            {
                await store.Audit().WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _written, batch.Count);
                total += batch.Count;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.Add(ref _failed, batch.Count);
                LogWriteFailed(e, batch.Count);
            }
        }
    }

    /// <summary>Deletes the records past the retention period. Returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var purged = await store.Audit().PurgeAsync(time.GetUtcNow().AddDays(-_options.RetentionDays), cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            LogPurged(purged, _options.RetentionDays);
        }
        return purged;
    }

    private async Task PurgeLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(s_purgeEvery, time);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPurgeFailed(e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {AuditCount} audit records failed; they are lost")]
    private partial void LogWriteFailed(Exception exception, int auditCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {AuditCount} audit records older than {RetentionDays} days")]
    private partial void LogPurged(int auditCount, int retentionDays);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging old audit records failed; retried in an hour")]
    private partial void LogPurgeFailed(Exception exception);
}
