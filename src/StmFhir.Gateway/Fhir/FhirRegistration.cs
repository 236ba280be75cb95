using StmFhir.Gateway.Conformance;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>The FHIR facade's services: route constraints for the resource types, the profile catalog and the validator.</summary>
internal static class FhirRegistration
{
    public static IServiceCollection AddGatewayFhir(this IServiceCollection services)
    {
        services.Configure<RouteOptions>(o =>
        {
            o.SetParameterPolicy<StoredTypeConstraint>(StoredTypeConstraint.Name);
            o.SetParameterPolicy<ConformanceTypeConstraint>(ConformanceTypeConstraint.Name);
        });
        services.AddSingleton<ProfileCatalog>();
        services.AddSingleton<IResourceValidator, EngineMissingValidator>();
        services.AddHostedService<Warmup>();
        return services;
    }

    /// <summary>Loads the profile catalog at start, so a broken profiles folder shows in the log and in /readyz at once.</summary>
    private sealed class Warmup(ProfileCatalog catalog) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(catalog.Count);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
