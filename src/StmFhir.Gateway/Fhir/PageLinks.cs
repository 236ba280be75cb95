using System.Globalization;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// The <c>self</c>, <c>first</c>, <c>previous</c> and <c>next</c> links of a page of a search or history: each keeps the
/// request's other parameters and moves <c>_offset</c>. <c>next</c> starts right after the last entry the page held,
/// which is before <c>_offset + _count</c> when the page ended early at <c>Fhir:MaxResponseBytes</c>.
/// </summary>
internal static class PageLinks
{
    /// <param name="url">The searched URL without its query, e.g. <c>https://host/fhir/Procedure</c>.</param>
    /// <param name="parameters">The request's parameters; <c>_count</c> and <c>_offset</c> are replaced.</param>
    /// <param name="count">The page size asked (after limits).</param>
    /// <param name="offset">Where this page started.</param>
    /// <param name="returned">How many entries this page holds.</param>
    /// <param name="total">How many match in all.</param>
    public static IReadOnlyList<(string Relation, string Url)> For(string url, IEnumerable<KeyValuePair<string, string>> parameters,
        int count, int offset, int returned, int total)
    {
        var kept = parameters.Where(p => p.Key is not ("_offset" or "_count")).ToList();
        string Url(long at) => $"{url}?" + string.Join('&',
            kept.Append(KeyValuePair.Create("_count", count.ToString(CultureInfo.InvariantCulture)))
                .Append(KeyValuePair.Create("_offset", at.ToString(CultureInfo.InvariantCulture)))
                .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var links = new List<(string, string)> { ("self", Url(offset)) };
        if (count == 0)
        {
            return links;
        }
        links.Add(("first", Url(0)));
        if (offset > 0)
        {
            links.Add(("previous", Url(Math.Max(0L, (long)offset - count))));
        }
        // In long: an offset near int.MaxValue plus a page must not wrap to a negative offset.
        var next = (long)offset + returned;
        if (returned > 0 && next < total)
        {
            links.Add(("next", Url(next)));
        }
        return links;
    }
}
