using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>Registers the outbox's delivery state and its dispatcher.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IOutboxStore"/> (the outbox in the registered <see cref="IResourceStore"/>'s database), for
    /// status and replay. Needs no targets.
    /// </summary>
    public static IServiceCollection AddOutboxStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => sp.GetRequiredService<IResourceStore>().Outbox());
        return services;
    }

    /// <summary>
    /// Registers the outbox's observable gauges (rows per target and state, oldest undelivered row's age; meter
    /// <c>StmFhir.Exchange</c>), created when the host starts. <paramref name="targets"/>: the configured targets, listed
    /// even without rows.
    /// </summary>
    public static IServiceCollection AddOutboxGauges(this IServiceCollection services, IReadOnlyCollection<string>? targets)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOutboxStore();
        services.TryAddSingleton(sp => new OutboxGauges(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<IOutboxStore>(), targets, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddHostedService<GaugesStarter>();
        return services;
    }

    // A singleton nobody asks for would never be made: the host makes it when it starts.
    private sealed class GaugesStarter(OutboxGauges gauges) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(gauges);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Registers the dispatcher as a hosted service, with <see cref="OutboxOptions"/> from <c>Exchange:Outbox</c>. Needs
    /// the exchange (<c>AddFhirExchange</c>) and an <see cref="IResourceStore"/> whose schema is created before hosted
    /// services after this one start.
    /// </summary>
    public static IServiceCollection AddOutboxDispatcher(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOutboxStore();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.SectionName))
            .Validate(o => !o.Problems().Any(), "Exchange:Outbox is invalid: PollInterval and RetryDelay must be positive, MaxRetryDelay at least RetryDelay, BatchSize 1-1000, Lease at least 1 second")
            .ValidateOnStart();
        services.AddHostedService<OutboxDispatcher>();
        return services;
    }
}
