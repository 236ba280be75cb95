using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace StmFhir.Gateway.Configuration;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>), whose server URL is the configured public base URL when there is one.</summary>
internal static class OpenApiRegistration
{
    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((document, context, _) =>
        {
            // Without Fhir:PublicBaseUrl the document names the request's own host, which AllowedHosts has vetted.
            if (context.ApplicationServices.GetRequiredService<IOptions<PublicAddressOptions>>().Value.BaseUrl is { } baseUrl)
            {
                document.Servers = [new OpenApiServer { Url = baseUrl }];
            }
            return Task.CompletedTask;
        }));
}
