using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StmFhir.Core.Validation;
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
    /// Registers <see cref="IFhirPuller"/>. Needs the exchange (<c>AddFhirExchange</c>), an <see cref="IResourceStore"/>
    /// whose schema is created before the first pull, and an <see cref="IPullValidator"/> (the gateway's, or
    /// <see cref="AddPullValidation"/>): pulled sessions are validated as intake validates them.
    /// </summary>
    public static IServiceCollection AddFhirPull(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPullStateStore();
        services.TryAddSingleton<IFhirPuller, FhirPuller>();
        return services;
    }

    /// <summary>
    /// Registers an <see cref="IPullValidator"/> over an engine of its own, made by <paramref name="createEngine"/> on the
    /// first session pulled (e.g. <c>StmValidator.Create</c> with the profiles folder), unless one is registered already.
    /// </summary>
    public static IServiceCollection AddPullValidation(this IServiceCollection services, Func<IFhirValidator> createEngine)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(createEngine);
        services.TryAddSingleton<IPullValidator>(new EnginePullValidator(createEngine));
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
