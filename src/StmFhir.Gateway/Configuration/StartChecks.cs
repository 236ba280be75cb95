using Microsoft.Extensions.Options;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Configuration;

/// <summary>
/// What the gateway says about its settings at start, so a newcomer or an operator reads one plain line, not a host's
/// stack trace: a settings error (found by <c>ValidateOnStart</c> as the host starts), and, in Production, that no
/// credential is configured at all.
/// </summary>
internal static partial class StartChecks
{
    /// <summary>The exit code of a gateway stopped by a settings error (as the CLI's usage errors).</summary>
    public const int SettingsErrorExitCode = 2;

    /// <summary>
    /// Whether <paramref name="exception"/> (from starting the host, which validates every setting) is a settings error;
    /// if so, writes one line per problem to <paramref name="error"/>, naming the setting, and the caller exits with
    /// <see cref="SettingsErrorExitCode"/> instead of a stack trace. (The host's own "Hosting failed to start" event is
    /// silenced in appsettings.json for the same reason; any other exception still ends the process with its trace.)
    /// </summary>
    public static bool ReportSettingsError(Exception exception, TextWriter error)
    {
        // Only the gateway's own process answers with a line and an exit code; a host that runs the entry point itself
        // (WebApplicationFactory in tests) needs the exception.
        if (System.Reflection.Assembly.GetEntryAssembly() != typeof(StartChecks).Assembly || Problems(exception) is not { Count: > 0 } problems)
        {
            return false;
        }
        foreach (var problem in problems)
        {
            error.WriteLine($"Settings error: {problem}");
        }
        error.WriteLine("The gateway did not start. Settings come from appsettings.json beside it, appsettings.{Environment}.json, then environment variables (Section__Key).");
        return true;
    }

    /// <summary>A Production gateway with no API key and no JWT issuer answers 401 to every client: say so at start.</summary>
    public static void WarnWhenNoCredential(this WebApplication app)
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
