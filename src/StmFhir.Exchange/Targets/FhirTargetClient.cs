using System.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Targets;

/// <summary>
/// Sends FHIR JSON requests to one target through its resilient HttpClient. Transport failures that remain after the
/// pipeline's retries (connection failures, timeouts, an open circuit, a failing token endpoint) become a
/// <see cref="FhirTransportException"/>; every HTTP answer, also an error status, comes back as a <see cref="FhirResponse"/>.
/// </summary>
internal sealed class FhirTargetClient(HttpClient http)
{
    private static readonly MediaTypeHeaderValue s_fhirJson = new("application/fhir+json") { CharSet = "utf-8" };

    /// <summary>The named HttpClient of a target (declared once, with its resilience pipeline, in <see cref="TargetsServiceCollectionExtensions"/>).</summary>
    public static string HttpClientName(string target) => "StmFhir.Target." + target;

    /// <summary>The named HttpClient of a target's OAuth2 token endpoint.</summary>
    public static string TokenClientName(string target) => "StmFhir.Token." + target;

    /// <summary>Sends <paramref name="body"/> (FHIR JSON, may be null) to <paramref name="relativeUrl"/> under the target's base.</summary>
    public async Task<FhirResponse> SendAsync(HttpMethod method, string relativeUrl, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(relativeUrl, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        if (body is not null)
        {
            // ByteArrayContent can be sent again, which the retry strategy relies on.
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = s_fhirJson;
        }
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return new FhirResponse((int)response.StatusCode, bytes);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or IOException or OperationCanceledException)
        {
            throw new FhirTransportException(Describe(e), isTransient: true, e);
        }
        catch (TokenRequestException e)
        {
            throw new FhirTransportException($"Authentication failed: {e.Message}", e.IsTransient, e);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        BrokenCircuitException => "The circuit to the target is open after repeated failures",
        TimeoutRejectedException => "The target did not answer in time",
        OperationCanceledException => "The request timed out",
        _ => $"The target could not be reached: {e.Message}",
    };
}

/// <summary>An HTTP answer from a target.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Body">The body, possibly empty.</param>
internal sealed record FhirResponse(int Status, byte[] Body)
{
    /// <summary>2xx.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>408, 429 and 5xx: trying again later may succeed (the pipeline has already retried).</summary>
    public bool IsTransientFailure => Status is 408 or 429 or >= 500;
}

/// <summary>No HTTP answer could be had from a target, after the resilience pipeline gave up.</summary>
internal sealed class FhirTransportException(string message, bool isTransient, Exception inner) : Exception(message, inner)
{
    /// <summary>False only for failures that repeat until the configuration changes (the token endpoint refused the client).</summary>
    public bool IsTransient { get; } = isTransient;
}
