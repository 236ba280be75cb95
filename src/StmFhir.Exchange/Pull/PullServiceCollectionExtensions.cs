using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Pull;

/// <summary>Registers pulling from the configured targets.</summary>
public static class PullServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IPullStateStore"/> (the pull state in the registered <see cref="IResourceStore"/>'s
    /// database), for status. Needs no targets.
    /// </summary>
    public static IServiceCollection AddPullStateStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => sp.GetRequiredService<IResourceStore>().PullState());
        return services;
    }

    /// <summary>
    /// Registers <see cref="IFhirPuller"/>. Needs the exchange (<c>AddFhirExchange</c>) and an <see cref="IResourceStore"/>
    /// whose schema is created before the first pull.
    /// </summary>
    public static IServiceCollection AddFhirPull(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPullStateStore();
        services.TryAddSingleton<IFhirPuller, FhirPuller>();
        return services;
    }

    /// <summary>
    /// Registers <see cref="IFhirPuller"/> and a hosted service that pulls from every target with <c>Pull:Enabled</c>
    /// every <c>Pull:Interval</c>.
    /// </summary>
    public static IServiceCollection AddPullScheduler(this IServiceCollection services)
    {
        services.AddFhirPull();
        services.AddHostedService<PullScheduler>();
        return services;
    }
}
