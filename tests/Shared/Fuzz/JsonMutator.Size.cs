using System.Text.Json;
using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>Edits that make the input big or deep, repeat ids or names, or carry bytes that are not UTF-8.</summary>
internal static partial class JsonMutator
{
    /// <summary>Bodies stay under this so that most reach the reader rather than the 5 MB body limit (some go over on purpose).</summary>
    private const int TargetBytes = 4_500_000;

    /// <summary>Nested extensions (valid FHIR shape) or nested arrays, to total depths around and past the 64 limit.</summary>
    private static string Deep(JsonObject root, Random random)
    {
        var objects = Places(root, p => p.Node is JsonObject).Prepend(new JsonPlace(root, null, null, -1, "$", 0)).ToList();
        var place = Pick(objects, random);
        var target = Pick([30, 60, 62, 63, 64, 65, 66, 100, 1000], random);
        var levels = Math.Max(1, (target - place.Depth) / 2);
        var arrays = random.Next(3) == 0;
        JsonNode inner = arrays ? new JsonArray(JsonValue.Create(1)) : new JsonObject { ["url"] = "http://example.org/deep", ["valueString"] = "bottom" };
        for (var i = 0; i < levels; i++)
        {
            inner = arrays
                ? new JsonArray(inner)
                : new JsonObject { ["url"] = "http://example.org/deep", ["extension"] = new JsonArray(inner) };
        }
        var name = arrays ? "extension" : "modifierExtension";
        ((JsonObject)place.Node!)[name] = arrays ? inner : new JsonArray(inner);
        return $"{place.Path}.{name} nested {levels} levels ({(arrays ? "arrays" : "extensions")}), total depth about {place.Depth + 2 * levels}";
    }

    /// <summary>An array repeated to thousands of items, or thousands of identifiers, names or entries added.</summary>
    private static string LongList(JsonObject root, Random random)
    {
        var wanted = Pick([1_000, 5_000, 20_000, 100_000], random);
        var arrays = Places(root, p => p.Node is JsonArray { Count: > 0 });
        if (arrays.Count == 0 || random.Next(3) == 0)
        {
            var item = new JsonObject { ["system"] = "urn:fuzz", ["value"] = "v" };
            var count = Math.Min(wanted, TargetBytes / item.ToJsonString().Length);
            root["identifier"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["system"] = "urn:fuzz", ["value"] = "v" + i })]);
            return $"$.identifier with {count} items";
        }
        var place = Pick(arrays, random);
        var array = (JsonArray)place.Node!;
        var first = array[0];
        var size = Math.Max(2, first?.ToJsonString().Length ?? 4);
        var copies = Math.Min(wanted, TargetBytes / size);
        for (var i = array.Count; i < copies; i++)
        {
            array.Add(first?.DeepClone());
        }
        return $"{place.Path} repeated to {array.Count} items of {size} bytes";
    }

    /// <summary>A string of 100 KB to 6 MB: ASCII, two-, three- and four-byte characters, or control characters.</summary>
    private static string LongString(JsonObject root, Random random)
    {
        var strings = Places(root, p => p.Node is JsonValue v && v.GetValueKind() == JsonValueKind.String && p.Name != "resourceType");
        var unit = Pick(["a", "\u00e9", "\u4e2d", "\ud83d\ude00", "\u0001", "\\", "\""], random);
        var bytes = Pick([100_000, 1_000_000, TargetBytes - 10_000, 6_000_000], random);
        var value = string.Concat(Enumerable.Repeat(unit, bytes / JsonEncodedText.Encode(unit, FuzzBody.Encoder).EncodedUtf8Bytes.Length));
        if (strings.Count == 0)
        {
            root["text"] = new JsonObject { ["status"] = "generated", ["div"] = value };
            return $"$.text.div = {value.Length} x U+{(int)unit[0]:X4}";
        }
        var place = Pick(strings, random);
        place.Replace(value);
        return $"{place.Path} = {value.Length} chars of U+{(int)unit[0]:X4}";
    }

    /// <summary>Contained resources sharing one id (the issue's Questionnaire shape, on any resource).</summary>
    private static string ContainedDuplicates(JsonObject root, Random random)
    {
        var resources = Places(root, p => p.Node is JsonObject o && o["resourceType"] is JsonValue).Select(p => (JsonObject)p.Node!).Prepend(root).ToList();
        var resource = Pick(resources, random);
        var copies = Pick([2, 20, 100, 400, 1000], random);
        resource["contained"] = new JsonArray([.. Enumerable.Range(0, copies).Select(i => (JsonNode)new JsonObject
        {
            ["resourceType"] = "ValueSet",
            ["id"] = "dup",
            ["status"] = "draft",
            ["compose"] = new JsonObject { ["include"] = new JsonArray(new JsonObject { ["system"] = "urn:fuzz:" + i }) },
        })]);
        resource["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/fuzz-ref", ["valueReference"] = new JsonObject { ["reference"] = "#dup" } });
        return $"{copies} contained ValueSets with id 'dup' in a {resource["resourceType"]}";
    }

    /// <summary>A property written twice in one object (a marker name that <see cref="FuzzBody"/> renames).</summary>
    private static string DuplicateName(JsonObject root, Random random)
    {
        var objects = Places(root, p => p.Node is JsonObject { Count: > 0 }).Select(p => p.Node!.AsObject()).Prepend(root).ToList();
        var target = Pick(objects, random);
        var (name, value) = target.ElementAt(random.Next(target.Count));
        var copy = random.Next(2) == 0 ? value?.DeepClone() : ExtremeValues.OtherKind(value, random);
        target[ExtremeValues.DuplicateMarker(name, 1)] = copy;
        return $"\"{name}\" written twice, second = {Short(copy)}";
    }

    /// <summary>A string value (or property name) that <see cref="FuzzBody"/> writes as bytes that are not UTF-8.</summary>
    private static string InvalidUtf8(JsonObject root, Random random)
    {
        var which = random.Next(ExtremeValues.InvalidUtf8.Count);
        var marker = ExtremeValues.InvalidUtf8Marker(which);
        var hex = Convert.ToHexString(ExtremeValues.InvalidUtf8[which]);
        var strings = Places(root, p => p.Node is JsonValue v && v.GetValueKind() == JsonValueKind.String);
        if (strings.Count == 0 || random.Next(5) == 0)
        {
            root[marker] = "x";
            return $"property name of bytes {hex}";
        }
        var place = Pick(strings, random);
        var old = place.Node!.GetValue<string>();
        place.Replace(old[..random.Next(old.Length + 1)] + marker);
        return $"{place.Path} holds bytes {hex}";
    }
}
