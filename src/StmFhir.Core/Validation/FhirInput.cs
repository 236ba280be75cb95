using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace StmFhir.Core.Validation;

/// <summary>Reads a FHIR resource from JSON or XML for validation, as far as it can be read.</summary>
public static class FhirInput
{
    // Syntax only: the parser reports what FHIR's JSON and XML syntax forbid (an empty array, say) and reads every value
    // it can, wrong or not, leaving the values to the engine, which reports each at its element. The deserializer's own
    // model checks are off: they cost ~15% of a $validate's CPU, and the recoverable mode used before ran them and then
    // dropped every finding whose data was still read (ReadableButWrongInputTests pins that the engine catches them).
    private static readonly FhirJsonDeserializer s_json = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));
    private static readonly FhirXmlDeserializer s_xml = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));

    /// <summary>
    /// Parses <paramref name="content"/> (JSON, or XML when it starts with <c>&lt;</c>). The result holds the resource
    /// (null when nothing could be read) and the parser's findings as error issues; XML with a DTD is refused.
    /// </summary>
    public static ParsedInput Parse(ReadOnlySpan<byte> content)
    {
        var text = content;
        if (text.StartsWith(Encoding.UTF8.Preamble))
        {
            text = text[Encoding.UTF8.Preamble.Length..];
        }
        var first = FirstNonWhitespace(text);
        return first == (byte)'<' ? ParseXml(text.ToArray()) : ParseJson(text);
    }

    private static ParsedInput ParseJson(ReadOnlySpan<byte> content)
    {
        try
        {
            var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
            var ok = s_json.TryDeserializeResource(ref reader, out var resource, out var problems);
            return Result(resource, ok ? [] : problems);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return Unreadable($"not valid FHIR JSON: {e.Message}");
        }
    }

    private static ParsedInput ParseXml(byte[] content)
    {
        try
        {
            var settings = new XmlReaderSettings
            {
                // A DTD can expand entities without bound or read local files (XXE): never processed.
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreWhitespace = true,
            };
            using var reader = XmlReader.Create(new MemoryStream(content), settings);
            reader.MoveToContent();
            var ok = s_xml.TryDeserializeResource(reader, out var resource, out var problems);
            return Result(resource, ok ? [] : problems);
        }
        catch (XmlException e)
        {
            return Unreadable($"not valid FHIR XML: {e.Message}");
        }
    }

    private static ParsedInput Result(Resource? resource, IEnumerable<CodedException> problems)
    {
        var issues = problems.Select(p => new ValidationIssue(OperationOutcome.IssueSeverity.Error, "FIRELY-" + p.ErrorCode, Location(p), p.Message,
            OperationOutcome.IssueType.Structure)).ToList();
        if (resource is null)
        {
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, "no FHIR resource could be read.", OperationOutcome.IssueType.Structure));
        }
        return new ParsedInput(resource, issues);
    }

    private static string? Location(CodedException problem) =>
        problem is ExtendedCodedException { InstancePath: { Length: > 0 } path } ? path : null;

    private static ParsedInput Unreadable(string message) =>
        new(null, [new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, message, OperationOutcome.IssueType.Structure)]);

    private static byte FirstNonWhitespace(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }
        return 0;
    }
}

/// <summary>What <see cref="FhirInput.Parse"/> could read.</summary>
/// <param name="Resource">The resource, possibly incomplete when <paramref name="Issues"/> is not empty; null when nothing was readable.</param>
/// <param name="Issues">The parser's findings, each an error (fatal when nothing was readable).</param>
public sealed record ParsedInput(Resource? Resource, IReadOnlyList<ValidationIssue> Issues);
