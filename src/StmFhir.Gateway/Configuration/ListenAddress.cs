namespace StmFhir.Gateway.Configuration;

/// <summary>The default listen address, used only when neither ASPNETCORE_URLS, --urls nor a <c>urls</c> setting names one.</summary>
internal static class ListenAddress
{
    public const string Default = "http://127.0.0.1:8080";

    public static void UseDefaultAddressWhenNoneConfigured(this WebApplicationBuilder builder)
    {
        // Not in appsettings.json: a "Urls" there would override ASPNETCORE_URLS (appsettings loads after ASPNETCORE_ variables).
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(Default);
        }
    }
}
