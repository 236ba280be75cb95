using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Targets;

namespace StmFhir.Gateway.Exchange;

/// <summary>The outbox's and the pulls' status always; the exchange, its dispatcher and the scheduled pull only when targets are configured.</summary>
internal static class ExchangeRegistration
{
    /// <summary>
    /// Registers <see cref="IOutboxStore"/>, <see cref="IPullStateStore"/> and the signing keys, and the exchange, the dispatcher and the
    /// pull scheduler (which pulls only from targets with <c>Pull:Enabled</c>) when <c>Exchange:Targets</c> or
    /// <c>STMFHIR_TARGET_URL</c> name a target.
    /// </summary>
    public static IServiceCollection AddGatewayExchange(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOutboxStore();
        services.AddPullStateStore();
        var options = ExchangeOptions.From(configuration);
        // Published at /.well-known/jwks.json whether or not a target uses them yet (a hospital registers the URL first).
        services.AddExchangeSigningKeys(options);
        if (options.Targets.Count > 0)
        {
            services.AddFhirExchange(options);
            services.AddOutboxDispatcher(configuration);
            // Pulled sessions meet intake's engine and slots (Validation/IntakePullValidator).
            services.AddSingleton<IPullValidator, Validation.IntakePullValidator>();
            services.AddPullScheduler();
        }
        return services;
    }
}
