using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Structure-aware edits of a JSON tree: each picks a place with <see cref="Random"/> (so a seed replays it) and says
/// what it did, e.g. <c>null inserted at $.entry[2].resource.name[0].given[1]</c>. Never a hand-written parser: the
/// tree is System.Text.Json.Nodes; byte-level edits are markers that <see cref="FuzzBody"/> turns into bytes.
/// </summary>
internal static partial class JsonMutator
{
    /// <summary>Applies <paramref name="kind"/> to <paramref name="root"/>; returns what it did.</summary>
    public static string Apply(JsonObject root, string kind, Random random) => kind switch
    {
        FuzzKinds.Null => Null(root, random),
        FuzzKinds.TypeSwap => TypeSwap(root, random),
        FuzzKinds.ElementMismatch => ElementMismatch(root, random),
        FuzzKinds.ResourceType => ResourceType(root, random),
        FuzzKinds.EmptyName => EmptyName(root, random),
        FuzzKinds.Date => Date(root, random),
        FuzzKinds.Number => Number(root, random),
        FuzzKinds.Deep => Deep(root, random),
        FuzzKinds.LongList => LongList(root, random),
        FuzzKinds.LongString => LongString(root, random),
        FuzzKinds.Remove => Remove(root, random),
        FuzzKinds.ContainedDuplicates => ContainedDuplicates(root, random),
        FuzzKinds.DuplicateName => DuplicateName(root, random),
        FuzzKinds.InvalidUtf8 => InvalidUtf8(root, random),
        _ => throw new ArgumentException($"{kind} is not a JSON tree edit", nameof(kind)),
    };

    private static List<JsonPlace> Places(JsonObject root, Func<JsonPlace, bool>? where = null) =>
        [.. JsonWalk.Nodes(root).Where(p => p.Parent is not null && (where is null || where(p)))];

    private static T Pick<T>(IReadOnlyList<T> list, Random random) => list[random.Next(list.Count)];

    private static string Null(JsonObject root, Random random)
    {
        var arrays = Places(root, p => p.Node is JsonArray);
        if (arrays.Count > 0 && random.Next(2) == 0)
        {
            var chosen = Pick(arrays, random);
            var array = (JsonArray)chosen.Node!;
            var at = random.Next(array.Count + 1);
            array.Insert(at, null);
            return $"null inserted at {chosen.Path}[{at}]";
        }
        var place = Pick(Places(root), random);
        place.Replace(null);
        return $"{place.Path} = null";
    }

    private static string TypeSwap(JsonObject root, Random random)
    {
        var place = Pick(Places(root, p => p.Name != "resourceType" || random.Next(4) == 0), random);
        var value = ExtremeValues.OtherKind(place.Node, random);
        place.Replace(value);
        return $"{place.Path} = {Short(value)}";
    }

    /// <summary><c>_name</c> beside a primitive <c>name</c>: longer, shorter, with nulls, of the wrong types.</summary>
    private static string ElementMismatch(JsonObject root, Random random)
    {
        var primitives = Places(root, p => p.Parent is JsonObject && p.Name is { Length: > 0 } n && n[0] != '_' && n != "resourceType"
            && (p.Node is JsonValue || p.Node is JsonArray a && a.All(i => i is null or JsonValue)));
        if (primitives.Count == 0)
        {
            return TypeSwap(root, random);
        }
        var place = Pick(primitives, random);
        var count = place.Node is JsonArray list ? list.Count : 1;
        static JsonNode Ext() => new JsonObject { ["id"] = "x", ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/fuzz", ["valueString"] = "y" }) };
        JsonNode? shadow = random.Next(9) switch
        {
            0 => new JsonArray([.. Enumerable.Range(0, count + 1 + random.Next(3)).Select(_ => Ext())]),
            1 => new JsonArray([.. Enumerable.Range(0, Math.Max(0, count - 1)).Select(_ => Ext())]),
            2 => new JsonArray(new JsonObject { ["id"] = "x" }, null),
            3 => new JsonArray([.. Enumerable.Range(0, count).Select(_ => (JsonNode?)null)]),
            4 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x"), JsonValue.Create(true), new JsonArray()),
            5 => Ext(),
            6 => new JsonObject { ["id"] = 5, ["extension"] = "x" },
            7 => new JsonObject { ["extension"] = new JsonArray(null, JsonValue.Create(3)) },
            _ => JsonValue.Create("x"),
        };
        ((JsonObject)place.Parent!)["_" + place.Name] = shadow;
        return $"{place.Path[..^place.Name!.Length]}_{place.Name} = {Short(shadow)} beside {count} value(s)";
    }

    private static string ResourceType(JsonObject root, Random random)
    {
        var places = Places(root, p => p.Name == "resourceType");
        var name = TypeNames.Pick(random);
        if (places.Count == 0 || random.Next(10) == 0)
        {
            var target = places.Count == 0 ? root : (JsonObject)Pick(places, random).Parent!;
            target.Remove("resourceType");
            if (places.Count == 0)
            {
                root["resourceType"] = name;
                return $"$.resourceType = \"{name}\"";
            }
            return "resourceType removed";
        }
        var place = Pick(places, random);
        place.Replace(name);
        return $"{place.Path} = \"{name}\"";
    }

    private static string EmptyName(JsonObject root, Random random)
    {
        var objects = Places(root, p => p.Node is JsonObject).Select(p => p).Prepend(new JsonPlace(root, null, null, -1, "$", 0)).ToList();
        var place = Pick(objects, random);
        var target = (JsonObject)place.Node!;
        var name = Pick(["", " ", "_", "\u0000", "\t", "_resourceType", "@", "$ref"], random);
        if (random.Next(2) == 0 && target.Count > 0)
        {
            var (old, value) = target.ElementAt(random.Next(target.Count));
            target.Remove(old);
            target[name] = value;
            return $"{place.Path}.{old} renamed to \"{Escape(name)}\"";
        }
        target[name] = ExtremeValues.OtherKind(null, random);
        return $"{place.Path}[\"{Escape(name)}\"] added";
    }

    private static string Date(JsonObject root, Random random)
    {
        var dates = Places(root, p => p.Node is JsonValue v && v.GetValueKind() == JsonValueKind.String && DateLike().IsMatch(v.GetValue<string>()));
        var value = Pick(ExtremeValues.Dates, random);
        if (dates.Count == 0)
        {
            root["birthDate"] = value;
            return $"$.birthDate = \"{value}\"";
        }
        var place = Pick(dates, random);
        place.Replace(value);
        return $"{place.Path} = \"{value}\"";
    }

    private static string Number(JsonObject root, Random random)
    {
        var numbers = Places(root, p => p.Node is JsonValue v && v.GetValueKind() == JsonValueKind.Number);
        var text = Pick(ExtremeValues.Numbers, random);
        var value = JsonNode.Parse(text);
        if (numbers.Count == 0 || random.Next(5) == 0)
        {
            var strings = Places(root, p => p.Node is JsonValue v && v.GetValueKind() == JsonValueKind.String && p.Name != "resourceType");
            var place = strings.Count > 0 ? Pick(strings, random) : null;
            if (place is null)
            {
                root["valueDecimal"] = value;
                return $"$.valueDecimal = {Short(value)}";
            }
            place.Replace(value);
            return $"{place.Path} = {Short(value)}";
        }
        var number = Pick(numbers, random);
        number.Replace(value);
        return $"{number.Path} = {Short(value)}";
    }

    private static string Remove(JsonObject root, Random random)
    {
        var place = Pick(Places(root), random);
        place.Remove();
        return $"{place.Path} removed";
    }

    [GeneratedRegex(@"^-?\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$")]
    private static partial Regex DateLike();

    internal static string Short(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 80 ? text : $"{text[..60]}... ({text.Length} chars)";
    }

    private static string Escape(string name) => JsonEncodedText.Encode(name).ToString();
}
