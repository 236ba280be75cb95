using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using StmFhir.Core.Validation.Input;

namespace StmFhir.Core.Validation;

/// <summary>
/// Reads a FHIR resource from JSON or XML, as far as it can be read: the one reader of the command line, <c>$validate</c>
/// and every FHIR write of the gateway. Nothing it is given makes it throw: what it cannot read is an issue.
/// </summary>
/// <remarks>
/// First one forward pass over the text (<see cref="FhirJsonCheck"/>, <see cref="FhirXmlCheck"/>): syntax, depth, the
/// number of elements, a DTD, and what the FHIR parser or Firely's validator cannot survive (a resource of a type that is not a concrete
/// resource type, an empty property name, a misplaced null, misaligned <c>_</c> arrays); any of these and nothing is
/// parsed. Then Firely's parser. Should it still throw, the input is refused with <see cref="IssueCodes.NotCheckable"/>
/// at the place it stopped.
/// </remarks>
public static class FhirInput
{
    // Syntax only: the parser reports what FHIR's JSON and XML syntax forbid (an empty array, say) and reads every value
    // it can, wrong or not, leaving the values to the engine, which reports each at its element. The deserializer's own
    // model checks are off: they cost ~15% of a $validate's CPU, and the recoverable mode used before ran them and then
    // dropped every finding whose data was still read (ReadableButWrongInputTests pins that the engine catches them).
    private static readonly FhirJsonDeserializer s_json = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));
    private static readonly FhirXmlDeserializer s_xml = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));
    private static readonly FhirJsonDeserializer s_strictJson = new();
    private static readonly FhirXmlDeserializer s_strictXml = new();

    /// <summary>
    /// Parses <paramref name="content"/> with <see cref="FhirReadOptions.Default"/> (JSON, or XML when it starts with
    /// <c>&lt;</c>). The result holds the resource (null when nothing could be read) and the reader's findings as
    /// error issues; XML with a DTD is refused.
    /// </summary>
    public static ParsedInput Parse(ReadOnlySpan<byte> content) => Parse(content, FhirReadOptions.Default);

    /// <summary>Parses <paramref name="content"/> as <paramref name="options"/> say (format, depth, strictness).</summary>
    public static ParsedInput Parse(ReadOnlySpan<byte> content, FhirReadOptions? options) => Parse(content, null, options);

    /// <summary>
    /// Parses <paramref name="content"/> as <paramref name="options"/> say; XML is read from the array itself rather
    /// than a copy (a request body may be megabytes).
    /// </summary>
    public static ParsedInput Parse(byte[] content, FhirReadOptions? options) => Parse(content, content, options);

    private static ParsedInput Parse(ReadOnlySpan<byte> content, byte[]? array, FhirReadOptions? options)
    {
        options ??= FhirReadOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxDepth, FhirReadOptions.MaxDepthLimit, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxElements, 1, nameof(options));
        var utf16 = content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || content.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]);
        var format = options.Format ?? (FirstCharacter(content, utf16) == '<' ? FhirFormat.Xml : FhirFormat.Json);
        if (format == FhirFormat.Xml)
        {
            // The XML reader takes the encoding from a byte order mark or the declaration, UTF-16 included.
            return ParseXml(array ?? content.ToArray(), options);
        }
        if (utf16)
        {
            return Unreadable("The input is JSON in UTF-16 (it starts with a UTF-16 byte order mark); FHIR JSON is UTF-8.");
        }
        // RFC 8259 lets parsers ignore a UTF-8 byte order mark; editors on Windows add one, and Utf8JsonReader rejects it.
        return ParseJson(content.StartsWith(Encoding.UTF8.Preamble) ? content[Encoding.UTF8.Preamble.Length..] : content, options);
    }

    private static ParsedInput ParseJson(ReadOnlySpan<byte> content, FhirReadOptions options)
    {
        if (FhirJsonCheck.Run(content, options.MaxDepth, options.AllowComments, options.MaxElements) is { Count: > 0 } refused)
        {
            return new ParsedInput(null, refused);
        }
        var reader = new Utf8JsonReader(content, new JsonReaderOptions
        {
            CommentHandling = options.AllowComments ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
            MaxDepth = options.MaxDepth,
        });
        try
        {
            var ok = (options.Strict ? s_strictJson : s_json).TryDeserializeResource(ref reader, out var resource, out var problems);
            return Result(resource, ok ? [] : problems.Where(p => !CalendarEdgeDates.IsValidInFhir(p)));
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientExecutionStackException))
        {
            // The check above lets through only what is valid JSON, so this is the parser's own failure on a shape it
            // does not expect (e.g. a choice element named after an abstract type, valueElement).
            return Stopped(Where(content, reader.TokenStartIndex), e);
        }
    }

    private static ParsedInput ParseXml(byte[] content, FhirReadOptions options)
    {
        if (FhirXmlCheck.Run(content, options.MaxDepth, options.MaxElements) is { Count: > 0 } refused)
        {
            return new ParsedInput(null, refused);
        }
        using var reader = XmlReader.Create(new MemoryStream(content), FhirXmlCheck.Settings());
        try
        {
            reader.MoveToContent();
            var ok = (options.Strict ? s_strictXml : s_xml).TryDeserializeResource(reader, out var resource, out var problems);
            return Result(resource, ok ? [] : problems.Where(p => !CalendarEdgeDates.IsValidInFhir(p)));
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientExecutionStackException))
        {
            return Stopped(reader is IXmlLineInfo line && line.HasLineInfo() ? $"line {line.LineNumber}, position {line.LinePosition}" : "an unknown place", e);
        }
    }

    private static ParsedInput Result(Resource? resource, IEnumerable<CodedException> problems)
    {
        var issues = problems.Select(p => new ValidationIssue(OperationOutcome.IssueSeverity.Error, "FIRELY-" + p.ErrorCode, Location(p),
            MessageText.Shorten(p.Message), OperationOutcome.IssueType.Structure)).ToList();
        if (resource is null)
        {
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, "no FHIR resource could be read.", OperationOutcome.IssueType.Structure));
        }
        return new ParsedInput(resource, issues);
    }

    private static ParsedInput Stopped(string where, Exception e) =>
        new(null, [new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.NotCheckable, null,
            $"The FHIR parser stopped at {where} and read nothing ({e.GetType().Name}: {MessageText.Shorten(e.Message)}). Check the element there against its definition.",
            OperationOutcome.IssueType.Structure)]);

    /// <summary>"line L, position P" of a byte offset (1-based, P counting bytes).</summary>
    private static string Where(ReadOnlySpan<byte> content, long offset)
    {
        var before = content[..(int)Math.Clamp(offset, 0, content.Length)];
        var line = before.Count((byte)'\n') + 1;
        var position = before.Length - before.LastIndexOf((byte)'\n');
        return $"line {line}, position {position}";
    }

    private static string? Location(CodedException problem) =>
        problem is ExtendedCodedException { InstancePath: { Length: > 0 } path } ? path : null;

    private static ParsedInput Unreadable(string message) =>
        new(null, [new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, message, OperationOutcome.IssueType.Structure)]);

    /// <summary>The first character that is not white space, after a byte order mark (UTF-8 or UTF-16); 0 when there is none.</summary>
    private static char FirstCharacter(ReadOnlySpan<byte> content, bool utf16)
    {
        if (utf16)
        {
            var text = Encoding.Unicode.GetString(content[2..Math.Min(content.Length, 258)]);
            if (content[0] == 0xFE)
            {
                text = Encoding.BigEndianUnicode.GetString(content[2..Math.Min(content.Length, 258)]);
            }
            return text.TrimStart().FirstOrDefault();
        }
        foreach (var b in content.StartsWith(Encoding.UTF8.Preamble) ? content[3..] : content)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return (char)b;
            }
        }
        return '\0';
    }
}

/// <summary>What <see cref="FhirInput.Parse(ReadOnlySpan{byte})"/> could read.</summary>
/// <param name="Resource">The resource, possibly incomplete when <paramref name="Issues"/> is not empty; null when nothing was readable.</param>
/// <param name="Issues">The reader's findings, each an error (fatal when nothing was readable).</param>
public sealed record ParsedInput(Resource? Resource, IReadOnlyList<ValidationIssue> Issues);
