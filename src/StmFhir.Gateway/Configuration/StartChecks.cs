using Microsoft.Extensions.Options;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Configuration;

/// <summary>
/// What the gateway checks between building and starting, so a newcomer or an operator reads one plain line, not a
/// host's stack trace: every setting's validation (what <c>ValidateOnStart</c> would run inside the host), and, in
/// Production, whether any credential is configured at all.
/// </summary>
internal static partial class StartChecks
{
    /// <summary>The exit code of a gateway stopped by a settings error (as the CLI's usage errors).</summary>
    public const int SettingsErrorExitCode = 2;

    /// <summary>
    /// Runs every settings validation now. On a problem writes one line per problem to <paramref name="error"/>, naming
    /// the setting, and returns false: the caller exits with <see cref="SettingsErrorExitCode"/>.
    /// </summary>
    public static bool SettingsAreValid(this WebApplication app, TextWriter error)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception exception) when (Problems(exception) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
            {
                error.WriteLine($"Settings error: {problem}");
            }
            error.WriteLine("The gateway did not start. Settings come from appsettings.json beside it, appsettings.{Environment}.json, then environment variables (Section__Key).");
            return false;
        }
        app.WarnWhenNoCredential();
        return true;
    }

    /// <summary>A Production gateway with no API key and no JWT issuer answers 401 to every client: say so at start.</summary>
    private static void WarnWhenNoCredential(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<ApiAuthOptions>>().Value;
        if (app.Environment.IsProduction() && auth.ApiKeys.Count == 0 && string.IsNullOrWhiteSpace(auth.Jwt.Issuer))
        {
            app.Logger.LogWarning(
                "No credential is configured (Authentication:ApiKeys, {ApiKeyVariable}, Authentication:Jwt): every request except health, metadata and the validator page will be answered 401",
                ApiAuthOptions.ApiKeyVariable);
        }
    }

    /// <summary>The settings problems an exception from validation or binding carries (empty for any other exception).</summary>
    private static List<string> Problems(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException many => [.. many.InnerExceptions.SelectMany(Problems)],
        // Binding: "Failed to convert configuration value '...' at 'Fhir:ValidationWarmUp' to type 'System.TimeSpan'." The
        // value is left out: a mistyped setting may hold a secret.
        InvalidOperationException binding when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            => [QuotedValue().Replace(binding.Message, "value at '", 1)],
        _ => [],
    };

    [System.Text.RegularExpressions.GeneratedRegex("value '.*?' at '", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex QuotedValue();
}
