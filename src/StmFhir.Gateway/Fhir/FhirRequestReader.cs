using System.Buffers;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Input;
using StmFhir.Gateway.Configuration;

namespace StmFhir.Gateway.Fhir;

/// <summary>A request body read as a resource, or the 4xx answer that explains why it cannot be.</summary>
internal sealed record BodyRead<T>(T? Value, FhirJsonResult? Error) where T : class
{
    public static BodyRead<T> Fail(FhirJsonResult error) => new(null, error);
}

/// <summary>
/// Reads request bodies defensively: at most the configured size (413 beyond), then through the engine's one reader
/// (<see cref="FhirInput"/>: syntax, nesting depth, DTDs and resource types checked before any FHIR parsing), and every
/// refusal an OperationOutcome that says what to fix, naming the element (<see cref="Refusal"/>).
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
        try
        {
            var bytes = request.ContentLength is { } length
                ? await ReadExactlyAsync(request.Body, (int)length, cancellationToken).ConfigureAwait(false)
                : await ReadChunkedAsync(request.Body, limit, cancellationToken).ConfigureAwait(false);
            return bytes is null ? BodyRead<byte[]>.Fail(TooLarge(limit))
                : bytes.Length == 0 ? BodyRead<byte[]>.Fail(Outcomes.BadRequest("The request body is empty"))
                : new BodyRead<byte[]>(bytes, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BodyRead<byte[]>.Fail(TooLarge(limit));
        }
    }

    /// <summary>
    /// A body of a declared length, read into one array of that length: no growing buffer and no copy, since bodies of
    /// megabytes land on the large object heap, where each needless copy stays until a full collection.
    /// </summary>
    private static async Task<byte[]> ReadExactlyAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        var read = await body.ReadAtLeastAsync(bytes, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == length ? bytes : bytes[..read];
    }

    /// <summary>
    /// A body of unknown length (chunked), gathered in pooled buffers and copied once into an array of its length;
    /// null when it grows past <paramref name="limit"/>.
    /// </summary>
    private static async Task<byte[]?> ReadChunkedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var used = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(used), cancellationToken).ConfigureAwait(false)) > 0)
            {
                used += read;
                if (used > limit)
                {
                    return null;
                }
                if (used == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, used).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            return buffer[..used];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private const string LimitSetting = " The limit is the gateway's setting Fhir:MaxElements.";

    private static FhirJsonResult TooManyElements(int limit, string counted) => Outcomes.Result(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong,
        $"The body holds more than {limit} elements ({counted}), the most one input may hold; it was not read." + LimitSetting);

    public static FhirJsonResult TooLarge(long limit) => Outcomes.Result(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong,
        $"The request body is larger than the limit of {limit} bytes (Fhir:MaxRequestBodyBytes)");

    /// <summary>
    /// An STM session body (not FHIR), read once by the session reader: parsed, walked and its fields and rules checked in
    /// one pass (<see cref="StmSessionReader"/>, nesting up to Fhir:MaxJsonDepth). Text that is not JSON, or nests deeper,
    /// is a 400; more elements than <see cref="FhirOptions.MaxElements"/> a 413; otherwise the result holds the session or
    /// every problem with its field's path. A leading UTF-8 byte order mark is skipped, as every reader of the gateway and
    /// the command line skips it.
    /// </summary>
    public BodyRead<SessionReadResult> ReadSession(byte[] bytes)
    {
        if (JsonElements.MoreThan(bytes, _options.MaxElements))
        {
            return BodyRead<SessionReadResult>.Fail(TooManyElements(_options.MaxElements, JsonElements.Counted));
        }
        var read = StmSessionReader.Read(bytes, _options.MaxJsonDepth);
        return read.NotJson is not { } notJson
            ? new BodyRead<SessionReadResult>(read, null)
            : BodyRead<SessionReadResult>.Fail(Outcomes.BadRequest(notJson.TooDeep
                ? $"The JSON is nested deeper than {_options.MaxJsonDepth} levels"
                : $"The body is not valid JSON (line {notJson.Line}, byte {notJson.Byte})"));
    }

    /// <summary>The body as a FHIR resource (JSON or XML by Content-Type), with nothing but a 4xx on bad input.</summary>
    public async Task<BodyRead<Resource>> ReadResourceAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var kind = BodyKind(request.ContentType);
        if (kind is null)
        {
            return BodyRead<Resource>.Fail(UnsupportedMediaType());
        }
        var body = await ReadBytesAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return BodyRead<Resource>.Fail(body.Error!);
        }
        var parsed = Read(bytes, kind, strict: true);
        return parsed.Resource is { } resource && !parsed.Issues.Any(i => i.IsError)
            ? new BodyRead<Resource>(resource, null)
            : BodyRead<Resource>.Fail(Refusal(parsed.Issues));
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

    public static FhirJsonResult UnsupportedMediaType() => Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
        "Send application/fhir+json or application/json (application/fhir+xml is also read)");

    /// <summary>
    /// Reads a FHIR body with the engine's reader (<see cref="FhirInput"/>), the one for every FHIR endpoint: syntax,
    /// depth, DTDs, resource types, nulls and <c>_</c> arrays checked in one pass before parsing, the byte order mark
    /// skipped, XML in any encoding it declares. Writes read <paramref name="strict"/>ly (a value of the wrong type is
    /// refused); <c>$validate</c> reads every value it can, for validation to report at its element.
    /// </summary>
    public ParsedInput Read(byte[] bytes, string kind, bool strict) => FhirInput.Parse(bytes, new FhirReadOptions
    {
        Format = kind == "xml" ? FhirFormat.Xml : FhirFormat.Json,
        MaxDepth = _options.MaxJsonDepth,
        MaxElements = _options.MaxElements,
        Strict = strict,
        AllowComments = false,
    });

    /// <summary>
    /// The one place a body the reader refused becomes an answer: 400 with an issue per finding, each naming its
    /// element; 413 naming the setting when it holds too many elements.
    /// </summary>
    public static FhirJsonResult Refusal(IEnumerable<ValidationIssue> issues)
    {
        if (issues.FirstOrDefault(i => i.Code == IssueCodes.TooManyElements) is { } tooMany)
        {
            return Outcomes.Result(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong, tooMany.Message + LimitSetting);
        }
        var list = issues.Where(i => i.IsError)
            .Select(i => Outcomes.Issue(i.Type, MessageText.Shorten(i.Message), i.Severity, i.Expression))
            .ToList();
        if (list.Count == 0)
        {
            list.Add(Outcomes.Issue(OperationOutcome.IssueType.Structure, "The body is not a FHIR resource"));
        }
        return Outcomes.Result(StatusCodes.Status400BadRequest, Outcomes.Create(list));
    }
}
