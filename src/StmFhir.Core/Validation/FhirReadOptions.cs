namespace StmFhir.Core.Validation;

/// <summary>How <see cref="FhirInput.Parse(ReadOnlySpan{byte}, FhirReadOptions?)"/> reads a resource.</summary>
public sealed record FhirReadOptions
{
    /// <summary>The options for files (the command line): syntax-only parsing, JSON comments skipped, the format taken from the content.</summary>
    public static readonly FhirReadOptions Default = new();

    /// <summary>
    /// JSON or XML; null takes the format from the content (XML when it starts with <c>&lt;</c>, after a byte order
    /// mark and white space). The default is null.
    /// </summary>
    public FhirFormat? Format { get; init; }

    /// <summary>
    /// The deepest nesting read (JSON objects and arrays, XML elements); deeper input is refused. Between 1 and
    /// <see cref="MaxDepthLimit"/>; the default is 128.
    /// </summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>
    /// The largest <see cref="MaxDepth"/>: Firely's parsers recurse once per level and are not guarded (measured: JSON
    /// nested 1,000 levels deep was read on a thread with a 1 MB stack, 2,000 levels overflowed it; thread-pool threads
    /// here have 8 MB).
    /// </summary>
    public const int MaxDepthLimit = 512;

    /// <summary>
    /// False (the default): syntax only, every value read as far as it can be, wrong or not, for validation to report
    /// at its element. True: the parser's model checks too (a value of the wrong type, an unknown element), each an
    /// error issue; for writes, which refuse any such input.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>Whether JSON comments are skipped rather than refused. The default is true (files); HTTP bodies refuse them.</summary>
    public bool AllowComments { get; init; } = true;
}

/// <summary>A FHIR serialization format.</summary>
public enum FhirFormat
{
    /// <summary>FHIR JSON (UTF-8).</summary>
    Json,

    /// <summary>FHIR XML (any encoding it declares or its byte order mark gives).</summary>
    Xml,
}
