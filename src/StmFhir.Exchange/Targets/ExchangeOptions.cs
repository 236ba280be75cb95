using Microsoft.Extensions.Configuration;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Targets;

/// <summary>The external FHIR servers StmFhir exchanges with (configuration section <c>Exchange</c>).</summary>
public sealed class ExchangeOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Exchange";

    /// <summary>
    /// An environment variable (or configuration key) naming one target by its base URL, for automation: it sets the
    /// base URL of the configured target named <see cref="DefaultTargetName"/>, keeping its other settings
    /// (authentication, timeouts, limits, pull); without such a target it declares one of that name, without
    /// authentication and with the default settings.
    /// </summary>
    public const string TargetUrlVariable = "STMFHIR_TARGET_URL";

    /// <summary>The name of the target that <see cref="TargetUrlVariable"/> declares.</summary>
    public const string DefaultTargetName = "default";

    /// <summary>The targets; none by default (nothing is pushed).</summary>
    public IList<FhirTargetOptions> Targets { get; init; } = [];

    /// <summary>
    /// The private keys that sign SMART Backend Services assertions (section <c>Exchange:SigningKeys</c>); none by
    /// default. The gateway publishes their public parts at <c>/.well-known/jwks.json</c>.
    /// </summary>
    public SigningKeysOptions SigningKeys { get; init; } = new();

    /// <summary>
    /// Reads the <c>Exchange</c> section and <see cref="TargetUrlVariable"/> from <paramref name="configuration"/>
    /// (ASP.NET Core's default configuration includes environment variables).
    /// </summary>
    public static ExchangeOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ExchangeOptions();
        configuration.GetSection(SectionName).Bind(options);
        if (configuration[TargetUrlVariable] is { Length: > 0 } url)
        {
            var baseUrl = Uri.TryCreate(url, UriKind.RelativeOrAbsolute, out var uri) ? uri : null;
            // Only the URL: a deployment that moves the server keeps the credentials and timeouts its settings give it.
            if (options.Targets.FirstOrDefault(t => t.Name == DefaultTargetName) is { } existing)
            {
                existing.BaseUrl = baseUrl;
            }
            else
            {
                options.Targets.Add(new FhirTargetOptions { Name = DefaultTargetName, BaseUrl = baseUrl });
            }
        }
        return options;
    }
}
