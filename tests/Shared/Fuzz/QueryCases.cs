using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Search, history, read and vread URLs with hostile parameters: extreme dates and paging numbers, long <c>_id</c> lists,
/// unknown and repeated parameters, broken percent-encoding; also sent as the GET entries of a batch, where a URL has no
/// length limit, and as a batch of many identical searches.
/// </summary>
internal static class QueryCases
{
    private static readonly string[] s_datePrefixes = ["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "xx"];

    private static readonly Dictionary<string, string> s_dateParameter = new(StringComparer.Ordinal)
    {
        ["Procedure"] = "date", ["Observation"] = "date", ["RiskAssessment"] = "date", ["Condition"] = "recorded-date",
        ["MedicationStatement"] = "effective", ["Patient"] = "birthdate", ["Practitioner"] = "date",
    };

    private static readonly string[] s_odd =
    [
        "foo=bar", "=x", "_sort=-date", "_include=*", "_revinclude=Observation:subject", "_format=xml", "_summary=count", "_elements=id",
        "_has:Observation:patient:code=x", "_id:missing=true", "identifier:exact=x", "_total=accurate", "_pretty=true", "code:text=%FF%FE",
        "identifier=%00", "identifier=" + new string('x', 4000), "identifier=a|b|c", "identifier=|", "subject=Patient/", "patient=" + new string('9', 300),
        "code=http://loinc.org|", "_lastUpdated", "_count", "_id=", "%zz=1", "identifier=%C3%28", "_id=a%2Cb",
    ];

    public static FuzzCase Create(string id, Random random)
    {
        var seed = FuzzCorpus.OfKind(SeedKind.Resource).ElementAt(random.Next(FuzzCorpus.OfKind(SeedKind.Resource).Count()));
        var type = seed.ResourceType!;
        var resourceId = seed.Json["id"]!.GetValue<string>();
        var parameters = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => Parameter(type, random)).ToList();
        var query = string.Join('&', parameters);
        var paths = new List<string> { $"/fhir/{type}?{query}" };
        var description = $"{type}?{Short(query)}";
        switch (random.Next(4))
        {
            case 0:
                var history = string.Join('&', Enumerable.Range(0, 1 + random.Next(2)).Select(_ => random.Next(3) switch
                {
                    0 => "_count=" + Pick(ExtremeValues.QueryNumbers, random),
                    1 => "_since=" + Uri.EscapeDataString(Pick(ExtremeValues.Dates, random)),
                    _ => "_offset=" + Pick(ExtremeValues.QueryNumbers, random),
                }));
                paths.Add($"/fhir/{type}/{resourceId}/_history?{history}");
                description += $"; _history?{history}";
                break;
            case 1:
                var version = Pick(["-1", "0", "1", "99999999999", "1e3", "%20", "2147483648"], random);
                paths.Add($"/fhir/{type}/{resourceId}/_history/{version}");
                description += $"; vread {version}";
                break;
            case 2:
                var odd = Pick(["%00", "..%2F..%2Fetc", new string('a', 65), new string('a', 5000), "%FF", "a.b", "-"], random);
                paths.Add($"/fhir/{type}/{odd}");
                description += $"; read {Short(odd)}";
                break;
        }
        var batchEntries = random.Next(8) == 0 ? Pick([100, 1000], random) : 1;
        var batch = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "batch",
            ["entry"] = new JsonArray([.. Enumerable.Range(0, batchEntries).SelectMany(_ => paths).Select(p => (JsonNode)new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = p["/fhir/".Length..] },
            })]),
        };
        if (random.Next(5) == 0)
        {
            // A long _id list: fine in a batch entry's URL, where no request-line limit applies.
            var ids = string.Join(',', Enumerable.Range(0, Pick([500, 1000, 2000, 10_000], random)).Select(i => "i" + i));
            ((JsonArray)batch["entry"]!).Add(new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = $"{type}?_id={ids}" } });
            description += $"; batch GET {type}?_id=<{ids.Split(',').Length} ids>";
        }
        if (batchEntries > 1)
        {
            description += $"; batch of {batchEntries}x the GETs";
        }
        return new FuzzCase(id, FuzzKinds.Query, seed, description) { Queries = paths, QueryBatch = batch };
    }

    private static string Parameter(string type, Random random) => random.Next(7) switch
    {
        0 => "_id=" + string.Join(',', Enumerable.Range(0, Pick([1, 10, 200, 900], random)).Select(i => "i" + i)),
        1 => "_lastUpdated=" + Pick(s_datePrefixes, random) + Uri.EscapeDataString(Pick(ExtremeValues.Dates, random)),
        2 => s_dateParameter[type] + "=" + Pick(s_datePrefixes, random) + Uri.EscapeDataString(Pick(ExtremeValues.Dates, random)),
        3 => "_count=" + Uri.EscapeDataString(Pick(ExtremeValues.QueryNumbers, random)),
        4 => "_offset=" + Uri.EscapeDataString(Pick(ExtremeValues.QueryNumbers, random)),
        _ => Pick(s_odd, random),
    };

    private static T Pick<T>(IReadOnlyList<T> list, Random random) => list[random.Next(list.Count)];

    private static string Short(string text) => text.Length <= 120 ? text : $"{text[..100]}... ({text.Length} chars)";
}
