using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// Pulls from every target whose <c>Pull:Enabled</c> is true, each on its own schedule: a pull, then
/// <c>Pull:Interval</c> of rest, again. A failing pull is recorded (see <see cref="IPullStateStore"/>) and tried again
/// at the next interval; it never stops the schedule or the other targets.
/// </summary>
internal sealed partial class PullScheduler(IFhirTargets targets, IFhirPuller puller, TimeProvider time, ILogger<PullScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(targets.Names.Where(name => targets.GetOptions(name).Pull.Enabled).Select(name => ScheduleAsync(name, stoppingToken)));

    private async Task ScheduleAsync(string target, CancellationToken stoppingToken)
    {
        var interval = targets.GetOptions(target).Pull.Interval;
        LogScheduled(logger, target, interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await puller.PullAsync(new PullRequest(target), stoppingToken).ConfigureAwait(false);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Recording the result failed (the database is down): say so and keep the schedule.
                LogPullFailed(logger, target, e.GetType().Name);
                try
                {
                    await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulling from {Target} every {Interval}")]
    private static partial void LogScheduled(ILogger logger, string target, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled pull from {Target} failed with a {ExceptionType}")]
    private static partial void LogPullFailed(ILogger logger, string target, string exceptionType);
}
