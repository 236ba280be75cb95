namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// The kinds of hostile change a fuzz case makes. The structural ones edit the JSON tree (<see cref="JsonMutator"/>);
/// the encoding ones change how the tree is written to bytes (<see cref="BodyEncoding"/>); <c>xml</c> sends the
/// resource as FHIR XML with XML-level edits (<see cref="XmlVariants"/>); <c>query</c> mutates search and history URLs.
/// </summary>
internal static class FuzzKinds
{
    public const string Null = "null";
    public const string TypeSwap = "type-swap";
    public const string ElementMismatch = "element-mismatch";
    public const string ResourceType = "resource-type";
    public const string EmptyName = "empty-name";
    public const string Date = "date";
    public const string Number = "number";
    public const string Deep = "deep";
    public const string LongList = "long-list";
    public const string LongString = "long-string";
    public const string Remove = "remove";
    public const string ContainedDuplicates = "contained-duplicates";
    public const string DuplicateName = "duplicate-name";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string Bom = "bom";
    public const string Utf16 = "utf16";
    public const string Xml = "xml";
    public const string Query = "query";

    /// <summary>Edits of the JSON tree.</summary>
    public static IReadOnlyList<string> Structural { get; } =
        [Null, TypeSwap, ElementMismatch, ResourceType, EmptyName, Date, Number, Deep, LongList, LongString, Remove, ContainedDuplicates];

    /// <summary>Changes to the bytes the tree is written as.</summary>
    public static IReadOnlyList<string> Encodings { get; } = [DuplicateName, InvalidUtf8, Bom, Utf16];

    public static IReadOnlyList<string> All { get; } = [.. Structural, .. Encodings, Xml, Query];

    public static IReadOnlyList<string> Parse(string commaList)
    {
        var kinds = commaList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var kind in kinds)
        {
            if (!All.Contains(kind))
            {
                throw new ArgumentException($"Unknown fuzz kind '{kind}'; known: {string.Join(", ", All)}");
            }
        }
        return kinds;
    }
}
