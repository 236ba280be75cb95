using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// A seed as FHIR XML (written by Firely from its JSON) with one XML-level edit (System.Xml.Linq, no hand parser):
/// extreme or missing <c>value</c> attributes, a datatype or abstract root, text content, unknown or repeated elements,
/// deep nesting, no or another namespace, comments, CDATA, processing instructions, and UTF-16 or BOM encodings with
/// or against the declaration.
/// </summary>
internal static class XmlVariants
{
    private static readonly XNamespace s_fhir = "http://hl7.org/fhir";
    private static readonly FhirJsonDeserializer s_json = new();
    private static readonly FhirXmlSerializer s_xml = new();

    /// <summary>The seed's XML and what was done to it.</summary>
    public static (byte[] Body, string Description) Create(JsonObject seed, Random random)
    {
        var resource = s_json.Deserialize<Resource>(seed.ToJsonString());
        var document = XDocument.Parse(s_xml.SerializeToString(resource));
        var elements = document.Descendants().ToList();
        var element = elements[random.Next(elements.Count)];
        var description = random.Next(12) switch
        {
            0 => SetValue(element, ExtremeValues.Dates[random.Next(ExtremeValues.Dates.Count)]),
            1 => SetValue(element, ExtremeValues.Numbers[random.Next(ExtremeValues.Numbers.Count)]),
            2 => Do(() => element.Attribute("value")?.Remove(), $"value attribute of <{element.Name.LocalName}> removed"),
            3 => RenameRoot(document, TypeNames.DatatypeAndAbstract[random.Next(TypeNames.DatatypeAndAbstract.Count)]),
            4 => Do(() => element.Add(new XText("text content")), $"text inside <{element.Name.LocalName}>"),
            5 => Do(() => element.AddAfterSelf(new XElement(element)), $"<{element.Name.LocalName}> repeated"),
            6 => Do(() => element.Add(new XElement(s_fhir + "unknownElement", new XAttribute("value", "x"))), "unknown element"),
            7 => Do(() => element.Add(Nested(random.Next(2) == 0 ? 40 : 200)), $"extensions nested inside <{element.Name.LocalName}>"),
            8 => Do(() => StripNamespace(document, random.Next(2) == 0 ? XNamespace.None : "http://example.org/not-fhir"), "other namespace"),
            9 => Do(() => element.Add(new XComment("c"), new XCData("<x/>"), new XProcessingInstruction("pi", "x")), "comment, CDATA and PI"),
            10 => SetValue(element, new string('x', 2_000_000)),
            _ => Do(() => element.SetAttributeValue("{http://www.w3.org/2001/XMLSchema-instance}type", "Element"), "xsi:type attribute"),
        };
        var (body, encoding) = Encode(document, random);
        return (body, $"XML, {description}, {encoding}");
    }

    private static string SetValue(XElement element, string value)
    {
        element.SetAttributeValue("value", value);
        return $"<{element.Name.LocalName} value=\"{(value.Length > 40 ? value[..20] + "..." : value)}\">";
    }

    private static string RenameRoot(XDocument document, string name)
    {
        document.Root!.Name = s_fhir + name;
        return $"root element <{name}>";
    }

    private static string Do(Action edit, string description)
    {
        edit();
        return description;
    }

    private static XElement Nested(int levels)
    {
        var inner = new XElement(s_fhir + "valueString", new XAttribute("value", "bottom"));
        for (var i = 0; i < levels; i++)
        {
            inner = new XElement(s_fhir + "extension", new XAttribute("url", "http://example.org/deep"), inner);
        }
        return inner;
    }

    private static void StripNamespace(XDocument document, XNamespace replacement)
    {
        foreach (var element in document.Descendants())
        {
            element.Name = replacement + element.Name.LocalName;
            element.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        }
    }

    private static (byte[] Body, string Encoding) Encode(XDocument document, Random random)
    {
        var text = document.ToString(SaveOptions.DisableFormatting);
        return random.Next(6) switch
        {
            0 => ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + text)], "UTF-16 with BOM and declaration"),
            1 => (Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + text), "UTF-16 declared, no BOM"),
            2 => ([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)], "UTF-8 with BOM"),
            3 => (Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + text), "UTF-8 declared as UTF-16"),
            4 => (Encoding.BigEndianUnicode.GetBytes(text) is var be ? [.. Encoding.BigEndianUnicode.GetPreamble(), .. be] : [], "UTF-16BE with BOM"),
            _ => (Encoding.UTF8.GetBytes(text), "UTF-8"),
        };
    }
}
