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
