using System.Text;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The one way StmFhir writes an identifier search (<c>identifier=system|value</c>), for conditional creates and updates:
/// the mapper's Bundles, the deliverer and the outbox all use it, and the store unescapes it.
/// </summary>
public static class IdentifierSearch
{
    /// <summary><c>identifier=system|value</c> with both parts escaped by <see cref="Escape"/>.</summary>
    public static string Condition(string system, string value) => $"identifier={Escape(system)}|{Escape(value)}";

    /// <summary>
    /// Percent-encodes (as UTF-8) what would change a query's meaning: <c>% &amp; + # =</c>, spaces and controls, and
    /// everything outside printable ASCII; keeps <c>: / |</c> readable.
    /// </summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is '%' or '&' or '+' or '#' or '=' || rune.Value <= ' ' || rune.Value > '~')
            {
                var length = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..length])
                {
                    builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append((char)rune.Value);
            }
        }
        return builder.ToString();
    }
}
