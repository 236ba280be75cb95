using StmFhir.Exchange.Client;
using StmFhir.Exchange.Outbox;

namespace StmFhir.Gateway.Delivery;

/// <summary>The outbox's status always; the exchange and its dispatcher only when targets are configured.</summary>
internal static class ExchangeRegistration
{
    /// <summary>Registers <see cref="IOutboxStore"/>, and the exchange and dispatcher when <c>Exchange:Targets</c> or <c>STMFHIR_TARGET_URL</c> name a target.</summary>
    public static IServiceCollection AddGatewayExchange(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOutboxStore();
        var options = ExchangeOptions.From(configuration);
        if (options.Targets.Count > 0)
        {
            services.AddFhirExchange(options);
            services.AddOutboxDispatcher(configuration);
        }
        return services;
    }
}
