using System.Text.Json;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// A 200 answer whose Bundle is written to the response body as it is built (<see cref="BundleJson"/>), so a page of
/// large resources is held once, as the stored strings, and not again as one answer string and its bytes.
/// </summary>
/// <param name="write">Writes the Bundle; flushes to the response when much is pending.</param>
internal sealed class BundleResult(Func<Utf8JsonWriter, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = FhirJsonResult.ContentTypeFor(httpContext.Request);
        await using var writer = new Utf8JsonWriter(response.Body);
        await write(writer, httpContext.RequestAborted).ConfigureAwait(false);
        await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
