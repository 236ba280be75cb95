using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Targets;

/// <summary>Registers the targets: one resilient HttpClient per target (with its authentication) and their capabilities.</summary>
internal static class TargetsServiceCollectionExtensions
{
    /// <summary>
    /// Validates <paramref name="options"/> (throwing <see cref="OptionsValidationException"/> with every problem) and
    /// registers <see cref="IFhirTargets"/> and each target's named HttpClient.
    /// </summary>
    public static IServiceCollection AddFhirTargets(this IServiceCollection services, ExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var problems = ExchangeOptionsValidator.Validate(options).ToList();
        var keys = SigningKeyRing.Load(options.SigningKeys ?? new SigningKeysOptions(), problems);
        problems.AddRange(ExchangeOptionsValidator.ValidateSigningKeys(options, keys));
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ExchangeOptions.SectionName, typeof(ExchangeOptions), problems);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<FhirTargets>();
        services.AddSingleton<IFhirTargets>(sp => sp.GetRequiredService<FhirTargets>());
        services.TryAddSingleton<ISigningKeys>(keys);
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<FhirTargetAuthStatus>();
        services.AddSingleton<IFhirTargetAuthStatus>(sp => sp.GetRequiredService<FhirTargetAuthStatus>());
        services.AddSingleton<FhirTargetCircuits>();
        services.AddSingleton<IFhirTargetCircuits>(sp => sp.GetRequiredService<FhirTargetCircuits>());
        foreach (var target in options.Targets)
        {
            AddTargetClient(services, target, keys);
        }
        return services;
    }

    /// <summary>
    /// Loads the signing keys of <paramref name="options"/> (throwing <see cref="OptionsValidationException"/> for a key
    /// that cannot be used) and registers <see cref="ISigningKeys"/>, for a host that publishes them without targets.
    /// </summary>
    public static IServiceCollection AddSigningKeys(this IServiceCollection services, ExchangeOptions options)
    {
        var problems = new List<string>();
        var keys = SigningKeyRing.Load(options.SigningKeys ?? new SigningKeysOptions(), problems);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(ExchangeOptions.SectionName, typeof(ExchangeOptions), problems);
        }
        services.TryAddSingleton<ISigningKeys>(keys);
        return services;
    }

    private static void AddTargetClient(IServiceCollection services, FhirTargetOptions target, SigningKeyRing keys)
    {
        var tokens = target.Auth.Kind switch
        {
            FhirTargetAuthKind.Bearer => (Func<IServiceProvider, IAccessTokenSource>)(_ => new BearerTokenSource(target.Auth.Token!)),
            FhirTargetAuthKind.ClientCredentials => AddTokenClient(services, target),
            FhirTargetAuthKind.SmartBackendServices => AddSmartTokenClient(services, target, keys),
            _ => _ => NoTokenSource.Instance,
        };
        // One token source per target, shared by every request, so an OAuth2 token is fetched once and cached.
        services.AddKeyedSingleton(target.Name, (sp, _) => tokens(sp));

        var client = services.AddHttpClient(FhirTargetClient.HttpClientName(target.Name), client =>
        {
            client.BaseAddress = WithTrailingSlash(target.BaseUrl!);
            // Timeouts belong to the resilience pipeline: per attempt and in total.
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        // Handlers run in the order added: the resilience pipeline outermost, then the token on every attempt.
        client.AddResilienceHandler("fhir-" + target.Name, (builder, context) =>
            FhirResiliencePipeline.Configure(builder, target.Resilience, context.ServiceProvider.GetRequiredService<FhirTargetCircuits>().For(target.Name), target.Name));
        client.AddHttpMessageHandler(sp => new AuthorizationHandler(sp.GetRequiredKeyedService<IAccessTokenSource>(target.Name)));
    }

    private static Func<IServiceProvider, IAccessTokenSource> AddTokenClient(IServiceCollection services, FhirTargetOptions target)
    {
        var name = FhirTargetClient.TokenClientName(target.Name);
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("token-" + target.Name, builder => FhirResiliencePipeline.Configure(builder, target.Resilience));
        return sp => new ClientCredentialsTokenSource(sp.GetRequiredService<IHttpClientFactory>(), name, target.Auth, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AccessTokenCache>(), sp.GetRequiredService<FhirTargetAuthStatus>().For(target.Name));
    }

    private static Func<IServiceProvider, IAccessTokenSource> AddSmartTokenClient(IServiceCollection services, FhirTargetOptions target, SigningKeyRing keys)
    {
        var name = FhirTargetClient.TokenClientName(target.Name);
        // The token endpoint and the smart-configuration share the target's resilience settings, without its token.
        services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("token-" + target.Name, builder => FhirResiliencePipeline.Configure(builder, target.Resilience));
        var key = keys.Find(target.Auth.KeyId)!;
        return sp => new SmartBackendServicesTokenSource(sp.GetRequiredService<IHttpClientFactory>(), name, target, key, keys.JwksUrl,
            sp.GetRequiredService<AccessTokenCache>(), sp.GetRequiredService<FhirTargetAuthStatus>().For(target.Name), sp.GetRequiredService<TimeProvider>());
    }

    // Without the trailing slash, a relative "Patient" would replace the base's last segment ("R4").
    private static Uri WithTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
