namespace StmFhir.Gateway.Configuration;

/// <summary>Kestrel settings that are not configuration: fixed for every deployment.</summary>
internal static class KestrelSettings
{
    /// <summary>No <c>Server: Kestrel</c> header: it tells an attacker which server's weaknesses to try and helps no client.</summary>
    public static void UseGatewayKestrelSettings(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
}
