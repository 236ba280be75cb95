using System.Text.Json.Nodes;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// Edits of a session Bundle's FHIR JSON that break (or keep) it in the ways real input does: a required element
/// dropped, a wrong code or system, an unknown element or extension, a value out of range, a reference to the
/// wrong type, a repeated single element, a bad date, and values moved to where they mean something else (an
/// extension on another resource, a coding into another binding), so remembered values meet a new context.
/// </summary>
internal static class BundleMutations
{
    public static readonly string[] Names =
    [
        "drop required element", "wrong code", "wrong system", "unknown element", "out-of-range value", "wrong reference type",
        "repeat a single element", "bad date", "unknown extension", "unknown modifierExtension", "extension moved elsewhere",
        "coding copied elsewhere", "wrong display", "empty or padded string", "extension removed", "contained resource",
        "wrong unit", "bad resource id", "narrative", "number as string", "other StmFhir profile", "value of another element",
        "extension repeated in place",
    ];

    private static readonly string[] Required =
    [
        "status", "code", "subject", "identifier", "partOf", "category", "effectiveDateTime", "valueInteger", "valueQuantity",
        "performedPeriod", "occurrenceDateTime", "prediction", "name", "gender", "birthDate", "meta", "performer", "component", "bodySite", "method",
    ];

    private static readonly string[] Profiles =
    [
        "stm-procedure", "stm-pain-score", "stm-range-of-motion", "stm-screening", "stm-patient", "stm-practitioner", "stm-screening-finding",
    ];

    /// <summary>Applies mutation <paramref name="kind"/> at the place <paramref name="pick"/> selects; returns what it did.</summary>
    public static string Apply(JsonObject bundle, int kind, int pick)
    {
        var nodes = Walk(bundle).ToList();
        var resources = ((JsonArray)bundle["entry"]!).Select(e => (JsonObject)e!["resource"]!).ToList();
        var resource = resources[pick % resources.Count];
        JsonObject[] Objects(Func<JsonObject, bool> where) => [.. nodes.Select(n => n.Node).OfType<JsonObject>().Where(where)];
        T? One<T>(IReadOnlyList<T> list) where T : class => list.Count == 0 ? null : list[pick % list.Count];
        var codings = Objects(o => o["system"] is JsonValue && o["code"] is JsonValue);
        switch (kind)
        {
            case 0 when One(Required.Where(resource.ContainsKey).ToList()) is { } name:
                resource.Remove(name);
                return $"{resource["resourceType"]} without {name}";
            case 1 when One(codings) is { } coding:
                coding["code"] = "zz-unknown-" + (pick % 3);
                return "code " + coding["code"];
            case 2 when One(codings) is { } coding:
                coding["system"] = pick % 2 == 0 ? "http://example.org/unknown-system" : "http://snomed.info/sct";
                return "system " + coding["system"];
            case 3 when One(Objects(_ => true)) is { } target:
                target["unknownElement"] = "x";
                return "unknown element";
            case 4:
                {
                    var numbers = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && n.Name is not null).ToList();
                    if (One(numbers) is { } number)
                    {
                        number.Parent![number.Name!] = (pick % 4) switch { 0 => 11, 1 => -1, 2 => 1000, _ => -100.5m };
                        return "number " + number.Name + "=" + number.Parent![number.Name!];
                    }
                    break;
                }
            case 5 when One(Objects(o => o["reference"] is JsonValue)) is { } reference:
                {
                    var entries = (JsonArray)bundle["entry"]!;
                    var other = entries[(pick / 7) % entries.Count]!;
                    reference["reference"] = pick % 3 == 0 ? "Practitioner/not-in-bundle" : other["fullUrl"]!.GetValue<string>();
                    return "reference to " + reference["reference"];
                }
            case 6 when One(resource.Where(p => p.Value is JsonObject or JsonValue && p.Key is not "resourceType" and not "id").Select(p => p.Key).ToList()) is { } single:
                resource[single] = new JsonArray(resource[single]!.DeepClone(), resource[single]!.DeepClone());
                return "repeated " + single;
            case 7:
                {
                    var dates = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String
                        && System.Text.RegularExpressions.Regex.IsMatch(v.GetValue<string>(), @"^\d{4}-\d{2}")).ToList();
                    if (One(dates) is { } date)
                    {
                        var bad = new[] { "2024-13-45", "yesterday", "2024-02-30T25:61:00Z", "2024-01-01T10:00", "2024-01-01T10:00:00" }[pick % 5];
                        if (date.Parent is JsonArray array)
                        {
                            array[date.Index] = bad;
                        }
                        else
                        {
                            date.Parent![date.Name!] = bad;
                        }
                        return "date " + bad;
                    }
                    break;
                }
            case 8 when One(Objects(o => o["resourceType"] is null && o["url"] is null && o["reference"] is null)) is { } element:
                Extensions(element, "extension").Add(new JsonObject { ["url"] = "http://example.org/fhir/StructureDefinition/unknown", ["valueString"] = "x" });
                return "unknown extension";
            case 9:
                Extensions(resource, "modifierExtension").Add(new JsonObject { ["url"] = "http://example.org/fhir/StructureDefinition/unknown-modifier", ["valueBoolean"] = true });
                return "unknown modifierExtension";
            case 10 when One(Objects(o => o["url"] is JsonValue u && u.GetValue<string>().StartsWith("http", StringComparison.Ordinal))) is { } extension
                && One(Objects(o => o != extension && o["url"] is null && o["reference"] is null && o["system"] is null)) is { } place:
                Extensions(place, "extension").Add(extension.DeepClone());
                return "extension " + extension["url"] + " copied";
            case 11 when codings.Length > 1:
                {
                    var from = codings[pick % codings.Length];
                    var to = codings[(pick / 3 + 1) % codings.Length];
                    foreach (var name in new[] { "system", "code", "display" })
                    {
                        to.Remove(name);
                        if (from[name] is { } value)
                        {
                            to[name] = value.DeepClone();
                        }
                    }
                    return "coding " + from["code"] + " copied";
                }
            case 12 when One(Objects(o => o["display"] is JsonValue)) is { } displayed:
                displayed["display"] = "Wrong display";
                return "wrong display";
            case 13:
                {
                    var strings = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && n.Name is not null and not "resourceType").ToList();
                    if (One(strings) is { } text)
                    {
                        text.Parent![text.Name!] = pick % 2 == 0 ? "" : " padded ";
                        return "string " + text.Name;
                    }
                    break;
                }
            case 14 when One(nodes.Where(n => n.Parent is JsonArray && n.ParentName is "extension").ToList()) is { } gone:
                ((JsonArray)gone.Parent!).RemoveAt(gone.Index);
                return "extension removed";
            case 15:
                resource["contained"] = new JsonArray(new JsonObject { ["resourceType"] = "Basic", ["id"] = "c1", ["code"] = new JsonObject { ["text"] = "x" } });
                return "contained";
            case 16 when One(Objects(o => o["unit"] is not null || (o["value"] is JsonValue && o["system"] is JsonValue))) is { } quantity:
                quantity["code"] = "degrees";
                return "unit";
            case 17:
                resource["id"] = pick % 2 == 0 ? "bad id!" : new string('a', 70);
                return "id " + resource["id"];
            case 18:
                resource["text"] = new JsonObject
                {
                    ["status"] = "generated",
                    ["div"] = pick % 2 == 0 ? "<div xmlns=\"http://www.w3.org/1999/xhtml\">Session</div>" : "<div>no namespace</div>",
                };
                return "narrative";
            case 19:
                {
                    var numbers = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && n.Name is not null).ToList();
                    if (One(numbers) is { } number)
                    {
                        number.Parent![number.Name!] = number.Node!.ToJsonString();
                        return "number as string";
                    }
                    break;
                }
            case 20 when resource["meta"] is JsonObject meta && meta["profile"] is JsonArray profile:
                profile[0] = "http://stmfhir.org/fhir/StructureDefinition/" + Profiles[pick % Profiles.Length];
                return "profile " + profile[0];
            case 21:
                {
                    // A value valid in one place put in another of the same name elsewhere (e.g. a body site into a code).
                    var objects = nodes.Where(n => n.Node is JsonObject && n.Name is not null && n.Parent is JsonObject).ToList();
                    if (objects.Count > 1)
                    {
                        var from = objects[pick % objects.Count];
                        var to = objects[(pick / 5 + 1) % objects.Count];
                        if (from.Node!.GetType() == to.Node!.GetType() && !ReferenceEquals(from.Node, to.Node) && !Contains(from.Node, to.Node) && !Contains(to.Node, from.Node))
                        {
                            to.Parent![to.Name!] = from.Node.DeepClone();
                            return $"{from.Name} into {to.Name}";
                        }
                    }
                    break;
                }
            case 22 when One(nodes.Where(n => n.Parent is JsonArray && n.ParentName is "extension" && n.Node is JsonObject).ToList()) is { } repeated:
                ((JsonArray)repeated.Parent!).Add(repeated.Node!.DeepClone());
                return "extension " + repeated.Node!["url"] + " repeated";
        }
        return "no change";
    }

    private static bool Contains(JsonNode outer, JsonNode inner)
    {
        for (var n = inner.Parent; n is not null; n = n.Parent)
        {
            if (ReferenceEquals(n, outer))
            {
                return true;
            }
        }
        return false;
    }

    private static JsonArray Extensions(JsonObject element, string name)
    {
        if (element[name] is not JsonArray list)
        {
            list = [];
            element[name] = list;
        }
        return list;
    }

    private sealed record Site(JsonNode? Node, JsonNode? Parent, string? Name, int Index, string? ParentName);

    private static IEnumerable<Site> Walk(JsonNode? node, JsonNode? parent = null, string? name = null, int index = -1, string? parentName = null)
    {
        yield return new Site(node, parent, name, index, parentName);
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    foreach (var site in Walk(child, o, key, -1, name))
                    {
                        yield return site;
                    }
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var site in Walk(a[i], a, null, i, name))
                    {
                        yield return site;
                    }
                }
                break;
        }
    }
}
