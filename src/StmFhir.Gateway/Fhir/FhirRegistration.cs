using Microsoft.Extensions.Options;
using StmFhir.Gateway.Package;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>The FHIR facade's services: route constraints for the resource types, the body reader, the profile catalog and the validator.</summary>
internal static class FhirRegistration
{
    public static IServiceCollection AddGatewayFhir(this IServiceCollection services)
    {
        services.Configure<RouteOptions>(o =>
        {
            o.SetParameterPolicy<StoredTypeConstraint>(StoredTypeConstraint.Name);
            o.SetParameterPolicy<PackageTypeConstraint>(PackageTypeConstraint.Name);
        });
        services.AddSingleton<FhirRequestReader>();
        services.AddSingleton<ProfileCatalog>();
        services.AddSingleton<IResourceValidator>(provider => new EngineValidator(
            provider.GetRequiredService<ProfileCatalog>().Directory,
            provider.GetRequiredService<ILogger<EngineValidator>>(),
            provider.GetRequiredService<IOptions<Configuration.FhirOptions>>().Value.MaxConcurrentValidations,
            provider.GetRequiredService<IOptions<Configuration.FhirOptions>>().Value.ValidationFastPath,
            provider.GetRequiredService<IOptions<Configuration.FhirOptions>>().Value.ValidationWarmUp,
            provider.GetRequiredService<IOptions<Configuration.FhirOptions>>().Value.ValidationTimeBudget));
        services.AddHostedService<Warmup>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<Configuration.FhirOptions>>((cors, fhir) =>
        {
            // No policy at all without origins: the CORS middleware then answers no preflight and adds no header.
            if (fhir.Value.CorsAllowedOrigins.Count > 0)
            {
                cors.AddDefaultPolicy(policy => policy.WithOrigins([.. fhir.Value.CorsAllowedOrigins]).AllowAnyHeader().AllowAnyMethod()
                    .WithExposedHeaders("ETag", "Location", "Last-Modified", "Content-Location"));
            }
        });
        return services;
    }

    /// <summary>
    /// Loads the profile catalog and starts the validation engine at start, so a broken profiles folder shows in the log
    /// and in /readyz at once, and the engine is warm before the first request.
    /// </summary>
    private sealed class Warmup(ProfileCatalog catalog, IResourceValidator validator) : IHostedService
    {
        // Resolving the validator starts building the engine in the background; start-up does not wait for it.
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(catalog.Count + (validator.IsReady ? 1 : 0));

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
