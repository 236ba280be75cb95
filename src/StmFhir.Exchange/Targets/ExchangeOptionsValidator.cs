using System.Text.RegularExpressions;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Targets;

/// <summary>Checks <see cref="ExchangeOptions"/> before anything is registered, so a bad target fails the start, not the first push.</summary>
internal static partial class ExchangeOptionsValidator
{
    /// <summary>Every problem, each naming its target and setting; empty when the options are valid.</summary>
    public static IReadOnlyList<string> Validate(ExchangeOptions options)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Targets.Count; i++)
        {
            var target = options.Targets[i];
            var at = $"{ExchangeOptions.SectionName}:Targets:{i}";
            if (!NamePattern().IsMatch(target.Name ?? ""))
            {
                problems.Add($"{at}:Name '{target.Name}' must be 1-64 letters, digits, '-', '_' or '.'");
            }
            else if (!names.Add(target.Name!))
            {
                problems.Add($"{at}:Name '{target.Name}' is used by another target");
            }
            at = $"target '{target.Name}' ({at})";
            if (!IsHttpUrl(target.BaseUrl))
            {
                problems.Add($"{at}: BaseUrl '{target.BaseUrl}' must be an absolute http or https URL");
            }
            CheckRange(problems, at, "MaxEntriesPerTransaction", target.MaxEntriesPerTransaction, 1, 1000);
            CheckRange(problems, at, "MaxConditionalEntriesPerTransaction", target.MaxConditionalEntriesPerTransaction, 1, Math.Max(1, target.MaxEntriesPerTransaction));
            if (!Enum.IsDefined((target.Compatibility ?? new FhirTargetCompatibilityOptions()).LiteralRas2))
            {
                problems.Add($"{at}: Compatibility:LiteralRas2 '{target.Compatibility!.LiteralRas2}' is not one of Detect, On, Off");
            }
            CheckAuth(problems, at, target.Auth ?? new FhirTargetAuthOptions());
            CheckResilience(problems, at, target.Resilience ?? new FhirTargetResilienceOptions());
            var pull = target.Pull ?? new FhirTargetPullOptions();
            CheckRange(problems, at, "Pull:Interval", pull.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
            CheckRange(problems, at, "Pull:PageSize", pull.PageSize, 1, 1000);
            if (!Enum.IsDefined(target.ConflictPolicy))
            {
                problems.Add($"{at}: ConflictPolicy '{target.ConflictPolicy}' is not one of Manual, Ours, Theirs");
            }
        }
        return problems;
    }

    private static void CheckAuth(List<string> problems, string at, FhirTargetAuthOptions auth)
    {
        switch (auth.Kind)
        {
            case FhirTargetAuthKind.None:
                break;
            case FhirTargetAuthKind.Bearer:
                if (string.IsNullOrWhiteSpace(auth.Token))
                {
                    problems.Add($"{at}: Auth:Token is required for bearer authentication");
                }
                else if (!BearerTokenSource.IsValidToken(auth.Token))
                {
                    problems.Add($"{at}: Auth:Token is not a valid bearer token (RFC 6750 b64token)");
                }
                break;
            case FhirTargetAuthKind.ClientCredentials:
                if (!IsHttpUrl(auth.TokenEndpoint))
                {
                    problems.Add($"{at}: Auth:TokenEndpoint must be an absolute http or https URL for client credentials");
                }
                if (string.IsNullOrWhiteSpace(auth.ClientId))
                {
                    problems.Add($"{at}: Auth:ClientId is required for client credentials");
                }
                if (string.IsNullOrEmpty(auth.ClientSecret))
                {
                    problems.Add($"{at}: Auth:ClientSecret is required for client credentials");
                }
                break;
            case FhirTargetAuthKind.SmartBackendServices:
                if (auth.TokenEndpoint is not null && !IsHttpUrl(auth.TokenEndpoint))
                {
                    problems.Add($"{at}: Auth:TokenEndpoint must be an absolute http or https URL (or empty, to read it from the smart-configuration)");
                }
                if (string.IsNullOrWhiteSpace(auth.ClientId))
                {
                    problems.Add($"{at}: Auth:ClientId is required for SMART Backend Services");
                }
                if (!string.IsNullOrEmpty(auth.ClientSecret) || !string.IsNullOrEmpty(auth.Token))
                {
                    problems.Add($"{at}: Auth:ClientSecret and Auth:Token are not used by SMART Backend Services (it signs with Exchange:SigningKeys); remove them");
                }
                break;
            default:
                problems.Add($"{at}: Auth:Kind '{auth.Kind}' is not one of None, Bearer, ClientCredentials, SmartBackendServices");
                break;
        }
    }

    /// <summary>Every SMART Backend Services target has a key to sign with: the one its KeyId names, or a first one.</summary>
    public static IEnumerable<string> ValidateSigningKeys(ExchangeOptions options, SigningKeyRing keys)
    {
        foreach (var target in options.Targets.Where(t => t.Auth?.Kind == FhirTargetAuthKind.SmartBackendServices))
        {
            if (keys.Find(target.Auth.KeyId) is null)
            {
                yield return string.IsNullOrEmpty(target.Auth.KeyId)
                    ? $"target '{target.Name}': SMART Backend Services needs a signing key in {ExchangeOptions.SectionName}:SigningKeys:Keys"
                    : $"target '{target.Name}': Auth:KeyId '{target.Auth.KeyId}' is none of the signing keys' kids ({string.Join(", ", keys.KeyIds)})";
            }
        }
    }

    private static void CheckResilience(List<string> problems, string at, FhirTargetResilienceOptions r)
    {
        CheckRange(problems, at, "Resilience:MaxRetryAttempts", r.MaxRetryAttempts, 0, 20);
        CheckRange(problems, at, "Resilience:RetryDelay", r.RetryDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        CheckRange(problems, at, "Resilience:MaxRetryDelay", r.MaxRetryDelay, r.RetryDelay, TimeSpan.FromHours(1));
        CheckRange(problems, at, "Resilience:AttemptTimeout", r.AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        if (r.TotalTimeout <= r.AttemptTimeout || r.TotalTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"{at}: Resilience:TotalTimeout {r.TotalTimeout} must exceed AttemptTimeout {r.AttemptTimeout} and be at most 1 hour");
        }
        if (!(r.CircuitBreakerFailureRatio > 0 && r.CircuitBreakerFailureRatio <= 1))
        {
            problems.Add($"{at}: Resilience:CircuitBreakerFailureRatio {r.CircuitBreakerFailureRatio} must be above 0 and at most 1");
        }
        CheckRange(problems, at, "Resilience:CircuitBreakerMinimumThroughput", r.CircuitBreakerMinimumThroughput, 2, 100_000);
        var minimumSampling = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, 2 * r.AttemptTimeout.Ticks));
        CheckRange(problems, at, "Resilience:CircuitBreakerSamplingDuration", r.CircuitBreakerSamplingDuration, minimumSampling, TimeSpan.FromDays(1));
        CheckRange(problems, at, "Resilience:CircuitBreakerBreakDuration", r.CircuitBreakerBreakDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1));
    }

    private static void CheckRange<T>(List<string> problems, string at, string setting, T value, T min, T max) where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            problems.Add($"{at}: {setting} {value} must be between {min} and {max}");
        }
    }

    private static bool IsHttpUrl(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
