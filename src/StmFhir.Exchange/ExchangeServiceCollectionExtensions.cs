using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange;

/// <summary>
/// Registers the exchange with external FHIR servers: the targets (one resilient HttpClient each, their capabilities)
/// and the deliverer that pushes to them. Puts Targets and Push together, so that neither refers to the other's way.
/// </summary>
public static class ExchangeServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ExchangeOptions"/> from the <c>Exchange</c> section and <c>STMFHIR_TARGET_URL</c>, validates it
    /// (throwing <see cref="OptionsValidationException"/> with every problem), and registers <see cref="IFhirTargets"/>
    /// and <see cref="IFhirDeliverer"/>.
    /// </summary>
    public static IServiceCollection AddFhirExchange(this IServiceCollection services, IConfiguration configuration) =>
        services.AddFhirExchange(ExchangeOptions.From(configuration));

    /// <summary>
    /// Loads the SMART Backend Services signing keys of <paramref name="options"/> (<c>Exchange:SigningKeys</c>), throwing
    /// <see cref="OptionsValidationException"/> for a key that cannot be used, and registers
    /// <see cref="Targets.Authentication.ISigningKeys"/>: their public parts, for a host to publish even with no target.
    /// </summary>
    public static IServiceCollection AddExchangeSigningKeys(this IServiceCollection services, ExchangeOptions options) =>
        services.AddSigningKeys(options);

    /// <summary>Validates <paramref name="options"/> and registers the exchange for its targets (see the other overload).</summary>
    public static IServiceCollection AddFhirExchange(this IServiceCollection services, ExchangeOptions options)
    {
        services.AddFhirTargets(options);
        services.AddSingleton<IFhirDeliverer, FhirDeliverer>();
        return services;
    }
}
