using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;

namespace StmFhir.Exchange.Push;

/// <summary>FHIR JSON for the wire: compact output, and OperationOutcomes read leniently (a target's may not be strict R4).</summary>
internal static class DeliveryJson
{
    private static readonly JsonSerializerOptions s_compact = FhirJson.Compact;

    // An OperationOutcome nests a few levels. A target's deeper one is not read: it is stored with a dead letter and
    // shown by /exchange/status, whose JSON answer nests it under its own levels within System.Text.Json's default 64.
    private static readonly JsonReaderOptions s_outcome = new() { MaxDepth = 32 };

    public static byte[] Serialize(Resource resource) => JsonSerializer.SerializeToUtf8Bytes(resource, s_compact);

    /// <summary>The OperationOutcome in <paramref name="json"/>, what could be read of it, or null if it is none.</summary>
    public static OperationOutcome? ReadOutcome(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return null;
        }
        try
        {
            var reader = new Utf8JsonReader(json, s_outcome);
            return JsonSerializer.Deserialize<Resource>(ref reader, s_compact) as OperationOutcome;
        }
        catch (DeserializationFailedException e)
        {
            return e.PartialResult as OperationOutcome;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The issues' texts and diagnostics, joined, for messages and for recognising a target's size limit.</summary>
    public static string Describe(OperationOutcome? outcome) =>
        outcome is null ? "" : string.Join("; ", outcome.Issue.Select(i => i.Details?.Text ?? i.Diagnostics).Where(t => !string.IsNullOrEmpty(t)));
}
