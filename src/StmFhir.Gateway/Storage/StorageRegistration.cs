using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StmFhir.Exchange;
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

    /// <summary>Hosted services start before Kestrel listens, so no request meets a database without its schema.</summary>
    private sealed class StoreInitializer(IResourceStore store, ILogger<StoreInitializer> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Storage ready ({StoreKind})", store.Kind);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
