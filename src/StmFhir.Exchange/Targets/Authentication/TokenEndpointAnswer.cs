using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>A token the token endpoint issued.</summary>
/// <param name="AccessToken">The bearer token (secret: never logged).</param>
/// <param name="Lifetime">From <c>expires_in</c>, or <see cref="TokenEndpointAnswer.DefaultLifetime"/>.</param>
/// <param name="Scope">The scopes granted, if the endpoint said.</param>
internal sealed record IssuedToken(string AccessToken, TimeSpan Lifetime, string? Scope);

/// <summary>Reads an OAuth2 token endpoint's answer (RFC 6749 5.1 and 5.2): the token, or a refusal as a <see cref="TokenRequestException"/>.</summary>
internal static partial class TokenEndpointAnswer
{
    /// <summary>How long a token without <c>expires_in</c> is kept.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A server clock further than this from ours makes a refused assertion a clock problem, not a client one.</summary>
    public static readonly TimeSpan ClockSkewLimit = TimeSpan.FromSeconds(60);

    /// <summary>The issued token; throws <see cref="TokenRequestException"/> for a refusal or an unusable answer.</summary>
    public static IssuedToken Read(int status, string body, DateTimeOffset? serverDate, DateTimeOffset now)
    {
        if (status is < 200 or >= 300)
        {
            throw Refusal(status, body, serverDate, now);
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("access_token", out var token)
                || token.ValueKind != JsonValueKind.String || token.GetString() is not { Length: > 0 } accessToken
                || !BearerTokenSource.IsValidToken(accessToken))
            {
                throw new TokenRequestException("The token endpoint's answer has no usable access_token", status, "invalid_response", transient: false);
            }
            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number
                && expires.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultLifetime;
            var scope = root.TryGetProperty("scope", out var granted) && granted.ValueKind == JsonValueKind.String ? granted.GetString() : null;
            return new IssuedToken(accessToken, lifetime, scope);
        }
        catch (JsonException)
        {
            throw new TokenRequestException("The token endpoint's answer is not JSON", status, "invalid_response", transient: false);
        }
    }

    /// <summary>The server's <c>Date</c> header, if it sent one.</summary>
    public static DateTimeOffset? ServerDate(HttpResponseHeaders headers) => headers.Date;

    private static TokenRequestException Refusal(int status, string body, DateTimeOffset? serverDate, DateTimeOffset now)
    {
        var (error, description) = ReadError(body);
        var said = error is null ? "" : $": {error}" + (description is null ? "" : $" ({description})");
        if (status is 408 or 429 or >= 500)
        {
            return new TokenRequestException($"The token endpoint answered {status}{said}", status, error ?? "unavailable");
        }
        // A refused assertion from a server whose clock is far from ours, or that names the assertion's times, is a
        // clock problem: the same assertion is accepted once the clocks agree, so the rows wait instead of dying.
        var skew = serverDate is { } date ? date - now : TimeSpan.Zero;
        if (skew.Duration() > ClockSkewLimit || (description is not null && TimeWords().IsMatch(description)))
        {
            var clocks = skew.Duration() > ClockSkewLimit ? $"; its clock is {skew.TotalSeconds:+0;-0} s from ours" : "";
            return new TokenRequestException($"The token endpoint refused the assertion's times ({status}{said}){clocks}: check both clocks (NTP)",
                status, "clock_skew", transient: true);
        }
        var hint = error switch
        {
            "invalid_client" => ": the client id, the registered JWKS URL or key, or the assertion's audience do not match",
            "invalid_scope" => ": the client is not allowed these scopes; set Auth:Scope to what the server granted",
            "unauthorized_client" => ": the client may not use the client_credentials grant",
            _ => "",
        };
        return new TokenRequestException($"The token endpoint answered {status}{said}{hint}", status, error ?? "refused", transient: false);
    }

    // The error and its description, both cut short and stripped of control characters: they come from another server.
    private static (string? Error, string? Description) ReadError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            return (Clean(root, "error", 64), Clean(root, "error_description", 300));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Clean(JsonElement root, string name, int max)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            return null;
        }
        var clean = new string([.. text.Where(c => !char.IsControl(c))]);
        return clean.Length <= max ? clean : clean[..max] + "...";
    }

    [GeneratedRegex(@"\b(exp|iat|nbf|clock|skew|expired|not yet valid|future)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TimeWords();
}
