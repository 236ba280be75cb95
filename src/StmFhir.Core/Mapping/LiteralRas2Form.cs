using System.Text.Json;
using System.Text.Json.Nodes;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The form of a RiskAssessment that servers applying R4's text of invariant ras-2 literally accept (MAPPING.md,
/// "The literal ras-2 form"). R4's ras-2, <c>probability is decimal implies (probability as decimal) &lt;= 100</c>, is
/// empty rather than true for a prediction with no probability (a defect, FHIR-25796, corrected in R4B), so such a
/// server (Medplum 4.5.2, the Firely validator) refuses every prediction that has only a qualitative risk. In this
/// form each such prediction also carries <c>probabilityRange</c> holding nothing but the core data-absent-reason
/// extension (<c>unsupported</c>: the source record holds no numeric probability): <c>probability is decimal</c> is
/// then false and the expression true, no number is invented, and the qualitative risk stays as it was. Reading FHIR
/// back ignores <c>probability[x]</c>, so the form maps back to the same session record.
/// </summary>
public static class LiteralRas2Form
{
    /// <summary>The core extension that says why an element has no value.</summary>
    public const string DataAbsentReasonUrl = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

    /// <summary>The data-absent-reason code carried: the source system does not hold a numeric probability.</summary>
    public const string DataAbsentReasonCode = "unsupported";

    private static readonly JsonNodeOptions s_node = new() { PropertyNameCaseInsensitive = false };
    private static readonly JsonDocumentOptions s_document = new() { MaxDepth = FhirJson.MaxDepth };
    private static readonly JsonSerializerOptions s_write = new() { MaxDepth = FhirJson.MaxDepth, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The RiskAssessment's FHIR JSON in the literal ras-2 form: the same array when no prediction lacks a probability
    /// (nothing to change, and no copy made), else a new array in which every prediction without <c>probabilityDecimal</c>
    /// (value or extension) and without <c>probabilityRange</c> carries the data-absent <c>probabilityRange</c>. JSON that
    /// is not a RiskAssessment object is returned unchanged.
    /// </summary>
    public static byte[] Apply(byte[] riskAssessmentJson)
    {
        ArgumentNullException.ThrowIfNull(riskAssessmentJson);
        // Most RiskAssessments a gateway sends are StmFhir's (each prediction needs the form); the check that nothing
        // needs it reads the same tree, so one parse serves both.
        if (JsonNode.Parse(riskAssessmentJson, s_node, s_document) is not JsonObject resource
            || resource["resourceType"]?.GetValueKind() != JsonValueKind.String
            || (string?)resource["resourceType"] != "RiskAssessment"
            || resource["prediction"] is not JsonArray predictions)
        {
            return riskAssessmentJson;
        }
        var changed = false;
        foreach (var prediction in predictions.OfType<JsonObject>())
        {
            if (prediction.ContainsKey("probabilityDecimal") || prediction.ContainsKey("_probabilityDecimal") || prediction.ContainsKey("probabilityRange"))
            {
                continue;
            }
            // After outcome, where the R4 element order puts probability[x]; property order carries no meaning in FHIR JSON.
            var at = prediction.IndexOf("outcome") + 1;
            prediction.Insert(at, "probabilityRange", DataAbsent());
            changed = true;
        }
        return changed ? JsonSerializer.SerializeToUtf8Bytes(resource, s_write) : riskAssessmentJson;
    }

    private static JsonObject DataAbsent() => new()
    {
        ["extension"] = new JsonArray(new JsonObject { ["url"] = DataAbsentReasonUrl, ["valueCode"] = DataAbsentReasonCode }),
    };
}
