using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;

namespace StmFhir.Gateway.Storage;

/// <summary>The store (from <see cref="StorageOptions"/>), its schema created before the server listens.</summary>
internal static class StorageRegistration
{
    public static IServiceCollection AddGatewayStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // The configured targets are added to the outbox at start (a new one is backfilled once), so each commit writes their deliveries.
        services.AddSingleton(provider => ResourceStores.Create(provider.GetRequiredService<IOptions<StorageOptions>>().Value, provider.GetRequiredService<TimeProvider>(),
            provider.GetService<IFhirTargets>()?.Names, provider.GetRequiredService<ILoggerFactory>().CreateLogger("StmFhir.Exchange.Store")));
        services.AddHostedService<StoreInitializer>();
        return services;
    }

    /// <summary>
    /// Hosted services start before Kestrel listens, so no request meets a database without its schema. Targets no longer
    /// configured are taken out of the outbox here (no new rows for them; their open rows kept as orphaned).
    /// </summary>
    private sealed class StoreInitializer(IResourceStore store, IServiceProvider services, ILogger<StoreInitializer> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Storage ready ({StoreKind})", store.Kind);
            var configured = services.GetService<IFhirTargets>()?.Names ?? [];
            foreach (var target in await store.Outbox().RemoveTargetsAsync(configured, cancellationToken).ConfigureAwait(false))
            {
                logger.LogWarning("Target {Target} is no longer configured: no new outbox rows for it; its open rows are kept as orphaned until " +
                    "purged (stmfhir outbox purge --target) or the target is configured again", target);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
