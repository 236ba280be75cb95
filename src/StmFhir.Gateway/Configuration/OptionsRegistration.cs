using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Audit;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Configuration;

/// <summary>Binds every options class from configuration and validates it when the host starts, not on first use.</summary>
internal static class OptionsRegistration
{
    /// <summary>Environment variables for automation, mapped onto the options they override.</summary>
    public const string DataDirVariable = "STMFHIR_DATA_DIR";

    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidated<FhirOptions>(configuration.GetSection(FhirOptions.Section), o => o.Problems());
        services.AddValidated<PublicAddressOptions>(configuration.GetSection(PublicAddressOptions.Section), o => o.Problems());
        services.PostConfigure<PublicAddressOptions>(o => o.AllowedHosts = configuration[PublicAddressOptions.AllowedHostsKey]);
        services.AddValidated<ProfilesOptions>(configuration.GetSection(ProfilesOptions.Section), o => o.Problems());
        services.AddValidated<StorageOptions>(configuration.GetSection(StorageOptions.Section), o => o.Problems());
        services.PostConfigure<StorageOptions>(o =>
        {
            if (configuration[DataDirVariable] is { Length: > 0 } dataDir)
            {
                o.DataDirectory = dataDir;
            }
        });
        services.AddValidated<AuditOptions>(configuration.GetSection(AuditOptions.Section), o => o.Problems());
        services.AddValidated<ApiAuthOptions>(configuration.GetSection(ApiAuthOptions.Section), o => o.Problems());
        services.PostConfigure<ApiAuthOptions>(o => o.AddEnvironmentKey(configuration[ApiAuthOptions.ApiKeyVariable]));
        return services;
    }

    private static void AddValidated<T>(this IServiceCollection services, IConfiguration section, Func<T, IEnumerable<string>> problems)
        where T : class
    {
        services.AddOptions<T>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ProblemsValidator<T>(problems));
    }

    private sealed class ProblemsValidator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
