using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.FastPath;

/// <summary>Where an extension sits, the part of a memo key that Firely's check of an extension's context reads.</summary>
internal static class ExtensionSites
{
    /// <summary>
    /// Where an extension sits, as far as Firely's check of its context reads it: the name and type of every
    /// element from the extension up to the resource holding it. Null when an ancestor is itself an Extension
    /// (its context would include that extension's url, which is not part of the value).
    /// </summary>
    public static string? ExtensionSite(PocoNode extension)
    {
        var text = new StringBuilder(64);
        return AppendExtensionSite(text, extension) ? text.ToString() : null;
    }

    /// <summary>Appends <see cref="ExtensionSite"/> to <paramref name="text"/>; false when it has none (the text is then partly written).</summary>
    public static bool AppendExtensionSite(StringBuilder text, PocoNode extension)
    {
        text.Append(((PocoNodeOrList)extension).Name);
        for (var node = ((PocoNodeOrList)extension).Parent; node is not null; node = ((PocoNodeOrList)node).Parent)
        {
            if (node.Poco is Extension)
            {
                return false;
            }
            text.Append('<').Append(((PocoNodeOrList)node).Name).Append(':').Append(node.Poco.TypeName);
            if (node.Poco is Resource)
            {
                break;
            }
        }
        return true;
    }
}
