using System.Text;
using System.Xml;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// One forward pass over FHIR XML before the FHIR parser sees it: well-formedness, no DTD (entity expansion,
/// external entities), the nesting depth and number of elements, and every resource of a concrete resource type. In FHIR XML a resource is
/// an element named by its type, in the FHIR namespace, where a resource belongs: the root, the child of
/// <c>contained</c>, of a Bundle entry's <c>resource</c> and <c>response.outcome</c>, and of a parameter's (or
/// part's) <c>resource</c>.
/// </summary>
internal static class FhirXmlCheck
{
    /// <summary>The FHIR XML namespace.</summary>
    public const string Namespace = "http://hl7.org/fhir";

    /// <summary>The reader settings for FHIR XML: no DTD, no entity, no external resolution.</summary>
    public static XmlReaderSettings Settings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreWhitespace = true,
    };

    /// <summary>
    /// The problems of <paramref name="xml"/> (any encoding XML declares or its byte order mark says); empty when it
    /// may be parsed. More than <paramref name="maxElements"/> elements stop the pass at once.
    /// </summary>
    public static List<ValidationIssue> Run(byte[] xml, int maxDepth, int maxElements = int.MaxValue)
    {
        var problems = new List<ValidationIssue>();
        var names = new List<(string Name, int Index)>();
        var found = 0;
        var elements = 0;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml), Settings());
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }
                if (reader.Depth > maxDepth)
                {
                    return [Unreadable($"The XML is nested deeper than {maxDepth} levels.")];
                }
                if (++elements > maxElements)
                {
                    return [JsonCheckProblems.TooMany(maxElements, "XML elements")];
                }
                var depth = reader.Depth;
                var index = names.Count > depth && names[depth].Name == reader.LocalName ? names[depth].Index + 1 : 0;
                names.RemoveRange(depth, names.Count - depth);
                names.Add((reader.LocalName, index));
                if (reader.HasAttributes && LongAttribute(reader) is { } tooLong && ++found <= FhirJsonCheck.MaxProblems)
                {
                    problems.Add(tooLong.Problem(Path(names, depth + 1)));
                }
                if (IsResourcePosition(names, depth) && !(reader.NamespaceURI == Namespace && ResourceTypeNames.IsConcrete(reader.LocalName))
                    && ++found <= FhirJsonCheck.MaxProblems)
                {
                    var where = reader is IXmlLineInfo line ? $" (line {line.LineNumber}, position {line.LinePosition})" : "";
                    problems.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.UnreadableInput, depth == 0 ? null : Path(names, depth),
                        reader.NamespaceURI != Namespace
                            ? $"<{MessageText.Value(reader.LocalName)}>{where} is where a resource belongs, but not in the FHIR namespace ({Namespace})."
                            : $"<{MessageText.Value(reader.LocalName)}>{where} is where a resource belongs, but {ResourceTypeNames.WhyNot(reader.LocalName)}; a resource must be of one of the {ModelInfo.SupportedResources.Count} concrete FHIR R4 resource types (Patient, Observation, Bundle, ...).",
                        OperationOutcome.IssueType.Structure));
                }
            }
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            return [Unreadable("XML with a DTD (DOCTYPE) is refused: it can expand entities without bound or read local files.")];
        }
        catch (XmlException e)
        {
            return [Unreadable($"The input is not well-formed XML (line {e.LineNumber}, position {e.LinePosition}): {MessageText.Shorten(e.Message)}")];
        }
        if (problems.Count > 0)
        {
            problems.Add(Unreadable(found <= FhirJsonCheck.MaxProblems
                ? "The input was not read as FHIR: fix the errors above (each names its element)."
                : $"The input was not read as FHIR: fix the errors above (each names its element) and {found - FhirJsonCheck.MaxProblems} more of the same kind."));
        }
        return problems;
    }

    /// <summary>
    /// The first attribute of the element at the reader whose value is longer than a FHIR string may be (the same limit
    /// as JSON's, <see cref="JsonText.MaxStringCharacters"/>): refused here so that Firely's parser, which quotes a bad
    /// value in every message about it, never sees it. base64Binary <c>data</c> is exempt; a narrative's div is content,
    /// not an attribute.
    /// </summary>
    private static LongValue? LongAttribute(XmlReader reader)
    {
        if (reader.LocalName == "data")
        {
            return null;
        }
        LongValue? found = null;
        while (found is null && reader.MoveToNextAttribute())
        {
            if (reader.Value.Length > JsonText.MaxStringCharacters)
            {
                found = new LongValue(reader.LocalName, reader.Value.Length);
            }
        }
        reader.MoveToElement();
        return found;
    }

    private sealed record LongValue(string Attribute, int Length)
    {
        public ValidationIssue Problem(string element) =>
            new(OperationOutcome.IssueSeverity.Error, IssueCodes.UnreadableInput, Attribute == "value" ? element : $"{element}.{Attribute}",
                $"a string ({Length} characters) is longer than FHIR allows: at most {JsonText.MaxStringCharacters} (base64Binary data and narrative excepted).",
                OperationOutcome.IssueType.Structure);
    }

    private static bool IsResourcePosition(List<(string Name, int Index)> names, int depth) => depth == 0 || names[depth - 1].Name switch
    {
        "contained" => true,
        "resource" => depth >= 2 && names[depth - 2].Name is "entry" or "parameter" or "part",
        "outcome" => depth >= 2 && names[depth - 2].Name == "response",
        _ => false,
    };

    /// <summary>The FHIRPath of the element holding the resource at <paramref name="depth"/>: the root's type, then each element (an index after the first repeat).</summary>
    private static string Path(List<(string Name, int Index)> names, int depth)
    {
        var text = new StringBuilder(names[0].Name);
        for (var d = 1; d < depth; d++)
        {
            text.Append('.').Append(names[d].Name);
            if (names[d].Index > 0)
            {
                text.Append('[').Append(names[d].Index).Append(']');
            }
        }
        return text.ToString();
    }

    private static ValidationIssue Unreadable(string message) =>
        new(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, message, OperationOutcome.IssueType.Structure);
}
