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
    /// The most elements read: each JSON object and each value (an array's items each count; an array itself does
    /// not), or each XML element. More is refused before parsing with <see cref="IssueCodes.TooManyElements"/>, so the
    /// cost of reading and validating one input is bounded by more than its size in bytes (a 5 MB body of 100,000
    /// identifiers took ~600 MB of allocations to validate). At least 1; the default is no limit (files).
    /// </summary>
    public int MaxElements { get; init; } = int.MaxValue;

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
