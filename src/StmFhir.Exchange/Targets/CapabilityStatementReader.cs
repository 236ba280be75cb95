using System.Text.Json;

namespace StmFhir.Exchange.Targets;

/// <summary>
/// Reads the parts of a CapabilityStatement delivery depends on. Plain JSON rather than the Firely model: a target's
/// statement may carry versions, codes or extensions the R4 model would refuse, and those must not stop a push.
/// </summary>
internal static class CapabilityStatementReader
{
    /// <summary>The capabilities in <paramref name="json"/>; throws <see cref="JsonException"/> if it is no CapabilityStatement.</summary>
    public static FhirCapabilities Read(ReadOnlySpan<byte> json, DateTimeOffset readAt)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || String(root, "resourceType") != "CapabilityStatement")
        {
            throw new JsonException("The metadata answer is not a CapabilityStatement");
        }
        var transaction = false;
        var batch = false;
        var resources = new Dictionary<string, ResourceCapabilities>(StringComparer.Ordinal);
        foreach (var rest in Array(root, "rest").Where(r => String(r, "mode") is "server" or null))
        {
            foreach (var interaction in Array(rest, "interaction"))
            {
                transaction |= String(interaction, "code") == "transaction";
                batch |= String(interaction, "code") == "batch";
            }
            foreach (var resource in Array(rest, "resource"))
            {
                if (String(resource, "type") is { Length: > 0 } type)
                {
                    // conditionalCreate/Update and updateCreate default to false, versioning to no-version (R4 CapabilityStatement).
                    resources[type] = new ResourceCapabilities(
                        Bool(resource, "conditionalCreate"),
                        Bool(resource, "conditionalUpdate"),
                        Bool(resource, "updateCreate"),
                        String(resource, "versioning") == "versioned-update");
                }
            }
        }
        return new FhirCapabilities
        {
            FhirVersion = String(root, "fhirVersion") ?? "",
            Transaction = transaction,
            Batch = batch,
            Resources = resources,
            ReadAt = readAt,
        };
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];
}
