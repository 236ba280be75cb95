using Microsoft.Extensions.Options;

namespace StmFhir.Gateway.Audit;

/// <summary>The audit trail's services (options, queue, writer) and its place in the pipeline.</summary>
internal static class AuditRegistration
{
    /// <summary>The queue, the writer and the audit scope's policies; <see cref="AuditOptions"/> is bound with the other options.</summary>
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder().AddAuditPolicies();
        services.AddSingleton<AuditQueue>();
        services.AddSingleton<AuditWriter>();
        // After the store's initializer (registered earlier), so the writer's first purge meets the schema.
        services.AddHostedService(provider => provider.GetRequiredService<AuditWriter>());
        return services;
    }

    /// <summary>In front of authentication, so that refused credentials are recorded too; nothing when <c>Audit:Enabled</c> is false.</summary>
    public static IApplicationBuilder UseGatewayAudit(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<AuditOptions>>().Value.Enabled ? app.UseMiddleware<AuditMiddleware>() : app;
}
