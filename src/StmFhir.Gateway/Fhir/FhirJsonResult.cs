using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// A FHIR JSON response: a resource (serialized here) or stored JSON (written as is), as <c>application/fhir+json</c>,
/// or <c>application/json</c> when the client asks only for that.
/// </summary>
internal sealed class FhirJsonResult : IResult
{
    public const string FhirJson = "application/fhir+json";

    private static readonly JsonSerializerOptions s_options = Core.Mapping.FhirJson.Compact;

    private readonly string? _json;
    private readonly Resource? _resource;

    public FhirJsonResult(int status, Resource resource)
    {
        StatusCode = status;
        _resource = resource;
    }

    public FhirJsonResult(int status, string json)
    {
        StatusCode = status;
        _json = json;
    }

    /// <summary>An answer without a body (FHIR's <c>Prefer: return=minimal</c> shape): the status and the headers set on it.</summary>
    public FhirJsonResult(int status) => StatusCode = status;

    public int StatusCode { get; }

    public string? Location { get; init; }

    public string? ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), s_options);

    public static JsonSerializerOptions Options => s_options;

    public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        if (Location is not null)
        {
            response.Headers.Location = Location;
        }
        if (ETag is not null)
        {
            response.Headers.ETag = ETag;
        }
        if (LastModified is { } modified)
        {
            response.Headers.LastModified = modified.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        if (_json is null && _resource is null)
        {
            response.ContentLength = 0;
            return;
        }
        response.ContentType = ContentTypeFor(httpContext.Request);
        if (_json is null)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(_resource!, _resource!.GetType(), s_options);
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, httpContext.RequestAborted).ConfigureAwait(false);
            return;
        }
        response.ContentLength = Encoding.UTF8.GetByteCount(_json);
        await WriteUtf8Async(response.BodyWriter, _json, httpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes stored JSON as UTF-8 a slice at a time into the response's own buffers: a stored resource can be megabytes,
    /// and a whole UTF-8 copy of it would be one more large-object-heap array per answer.
    /// </summary>
    private static async System.Threading.Tasks.Task WriteUtf8Async(PipeWriter writer, string text, CancellationToken cancellationToken)
    {
        const int Slice = 16 * 1024;
        var encoder = Encoding.UTF8.GetEncoder();
        for (var at = 0; at < text.Length;)
        {
            var take = Math.Min(Slice, text.Length - at);
            at += Encode(writer, encoder, text.AsSpan(at, take), at + take == text.Length);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static int Encode(PipeWriter writer, Encoder encoder, ReadOnlySpan<char> slice, bool last)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(slice.Length));
        encoder.Convert(slice, span, last, out var used, out var written, out _);
        writer.Advance(written);
        return used;
    }

    /// <summary><c>application/json</c> when the client accepts that but not <c>application/fhir+json</c>; otherwise the FHIR type.</summary>
    public static string ContentTypeFor(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        var plain = accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
            && !accept.Contains(FhirJson, StringComparison.OrdinalIgnoreCase);
        return (plain ? "application/json" : FhirJson) + "; charset=utf-8";
    }
}
