using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;

namespace StmFhir.Gateway.Fhir;

/// <summary>A request body read as a resource, or the 4xx answer that explains why it cannot be.</summary>
internal sealed record BodyRead<T>(T? Value, FhirJsonResult? Error) where T : class
{
    public static BodyRead<T> Fail(FhirJsonResult error) => new(null, error);
}

/// <summary>
/// Reads request bodies defensively: at most the configured size (413 beyond), JSON checked for syntax and nesting depth
/// before any FHIR parsing, XML only without a DTD, and every refusal an OperationOutcome that says what to fix.
/// </summary>
internal sealed class FhirRequestReader(IOptions<FhirOptions> options)
{
    private readonly FhirOptions _options = options.Value;

    /// <summary>The body's bytes, or 413 when it is longer than allowed, or 400 when it is empty.</summary>
    public async Task<BodyRead<byte[]>> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            return BodyRead<byte[]>.Fail(TooLarge(limit));
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return BodyRead<byte[]>.Fail(TooLarge(limit));
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyRead<byte[]>.Fail(TooLarge(limit));
        }
        return buffer.Length == 0
            ? BodyRead<byte[]>.Fail(Outcomes.BadRequest("The request body is empty"))
            : new BodyRead<byte[]>(buffer.ToArray(), null);
    }

    public static FhirJsonResult TooLarge(long limit) => Outcomes.Result(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong,
        $"The request body is larger than the limit of {limit} bytes (Fhir:MaxRequestBodyBytes)");

    /// <summary>Checks JSON syntax and depth with a forward-only reader (cheap, no allocation of a document).</summary>
    public FhirJsonResult? CheckJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = _options.MaxJsonDepth });
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException e)
        {
            var deep = reader.CurrentDepth >= _options.MaxJsonDepth - 1 && e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            return Outcomes.BadRequest(deep
                ? $"The JSON is nested deeper than {_options.MaxJsonDepth} levels"
                : $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    /// <summary>The body as a FHIR resource (JSON or XML by Content-Type), with nothing but a 4xx on bad input.</summary>
    public async Task<BodyRead<Resource>> ReadResourceAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var kind = BodyKind(request.ContentType);
        if (kind is null)
        {
            return BodyRead<Resource>.Fail(Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "Send application/fhir+json or application/json (application/fhir+xml is also read)"));
        }
        var body = await ReadBytesAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return BodyRead<Resource>.Fail(body.Error!);
        }
        return kind == "xml" ? ParseXml(bytes) : ParseJson(bytes);
    }

    /// <summary>The body as a resource of the URL's <paramref name="type"/>; another resourceType is a 400.</summary>
    public async Task<BodyRead<Resource>> ReadResourceOfTypeAsync(HttpRequest request, string type, CancellationToken cancellationToken)
    {
        var body = await ReadResourceAsync(request, cancellationToken).ConfigureAwait(false);
        return body.Value is { } resource && resource.TypeName != type
            ? BodyRead<Resource>.Fail(Outcomes.BadRequest($"The body is a {resource.TypeName}, but the URL is for {type}"))
            : body;
    }

    /// <summary><c>json</c>, <c>xml</c>, or null for a media type the gateway does not read (none given counts as JSON).</summary>
    public static string? BodyKind(string? contentType) => contentType switch
    {
        null or "" => "json",
        _ when contentType.Contains("json", StringComparison.OrdinalIgnoreCase) => "json",
        _ when contentType.Contains("xml", StringComparison.OrdinalIgnoreCase) => "xml",
        _ => null,
    };

    public BodyRead<Resource> ParseJson(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        if (CheckJson(bytes) is { } error)
        {
            return BodyRead<Resource>.Fail(error);
        }
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = _options.MaxJsonDepth });
        try
        {
            var deserializer = new FhirJsonDeserializer();
            return deserializer.TryDeserializeResource(ref reader, out var resource, out var issues) && resource is not null
                ? new BodyRead<Resource>(resource, null)
                : BodyRead<Resource>.Fail(Unreadable(issues));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return BodyRead<Resource>.Fail(Outcomes.BadRequest("The body is not a FHIR resource in JSON"));
        }
    }

    public BodyRead<Resource> ParseXml(byte[] bytes)
    {
        if (CheckXml(bytes) is { } error)
        {
            return BodyRead<Resource>.Fail(error);
        }
        using var xml = XmlReader.Create(new MemoryStream(bytes), XmlSettings());
        return new FhirXmlDeserializer().TryDeserializeResource(xml, out var resource, out var issues) && resource is not null
            ? new BodyRead<Resource>(resource, null)
            : BodyRead<Resource>.Fail(Unreadable(issues));
    }

    /// <summary>
    /// A first pass over XML that refuses DTDs (entity expansion, external entities), deep nesting and malformed XML
    /// before any FHIR parser sees it.
    /// </summary>
    public FhirJsonResult? CheckXml(byte[] bytes)
    {
        try
        {
            using var scan = XmlReader.Create(new MemoryStream(bytes), XmlSettings());
            while (scan.Read())
            {
                if (scan.Depth > _options.MaxJsonDepth)
                {
                    return Outcomes.BadRequest($"The XML is nested deeper than {_options.MaxJsonDepth} levels");
                }
            }
            return null;
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            return Outcomes.BadRequest("XML with a DTD (DOCTYPE) is refused");
        }
        catch (XmlException e)
        {
            return Outcomes.BadRequest($"The body is not well-formed XML (line {e.LineNumber}, position {e.LinePosition})");
        }
    }

    private XmlReaderSettings XmlSettings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        MaxCharactersInDocument = _options.MaxRequestBodyBytes,
    };

    private static FhirJsonResult Unreadable(IEnumerable<Hl7.Fhir.Utility.CodedException>? issues)
    {
        var list = (issues ?? []).Select(i => Outcomes.Issue(OperationOutcome.IssueType.Structure, $"{i.ErrorCode}: {i.Message}")).ToList();
        if (list.Count == 0)
        {
            list.Add(Outcomes.Issue(OperationOutcome.IssueType.Structure, "The body is not a FHIR resource"));
        }
        return Outcomes.Result(StatusCodes.Status400BadRequest, Outcomes.Create(list));
    }
}
