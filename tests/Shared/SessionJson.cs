using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared;

/// <summary>
/// STM session records for tests, shaped like samples/sessions (a cleared screening before a completed IASTM session
/// with pain and range-of-motion measurements), with the parts that tests vary as parameters.
/// </summary>
internal static class SessionJson
{
    /// <summary>A valid session as a JSON object, to be changed by a test and serialized.</summary>
    public static JsonObject Create(string sessionId = "STM-T-0001", string family = "Hoffmann", string mrn = "MRN-0048213", int prePain = 6, string notes = "Tender over the common extensor origin.") => new()
    {
        ["sourceSystem"] = "https://pt.example-clinic.org/stm",
        ["sessionId"] = sessionId,
        ["patient"] = new JsonObject
        {
            ["identifier"] = new JsonObject { ["system"] = "https://example-hospital.org/mrn", ["value"] = mrn },
            ["name"] = new JsonObject { ["family"] = family, ["given"] = new JsonArray("Julia", "Marie") },
            ["birthDate"] = "1984-06-17",
            ["sex"] = "female",
        },
        ["clinician"] = new JsonObject
        {
            ["identifier"] = new JsonObject { ["system"] = "http://hl7.org/fhir/sid/us-npi", ["value"] = "1047293844" },
            ["name"] = new JsonObject { ["family"] = "Okafor", ["given"] = new JsonArray("Adaeze") },
        },
        ["encounterId"] = "ENC-20260302-017",
        ["status"] = "completed",
        ["start"] = "2026-03-02T09:30:00+01:00",
        ["end"] = "2026-03-02T09:52:00+01:00",
        ["technique"] = "instrument-assisted",
        ["instrument"] = new JsonObject { ["name"] = "GT-4", ["toolSystem"] = "graston" },
        ["lubricant"] = "Graston emollient",
        ["pressure"] = "moderate",
        ["strokeRhythm"] = "rhythmic",
        ["strokes"] = new JsonArray("sweep", "fanning"),
        ["regions"] = new JsonArray(new JsonObject { ["site"] = "elbow", ["laterality"] = "right", ["minutes"] = 10 }),
        ["indications"] = new JsonArray(new JsonObject { ["snomed"] = "202855006", ["icd10cm"] = "M77.11", ["text"] = "Lateral epicondylitis, right elbow" }),
        ["painScores"] = new JsonArray(
            new JsonObject { ["score"] = prePain, ["timing"] = "pre", ["site"] = "elbow", ["laterality"] = "right", ["takenAt"] = "2026-03-02T09:24:00+01:00" },
            new JsonObject { ["score"] = 4, ["timing"] = "post", ["site"] = "elbow", ["laterality"] = "right", ["takenAt"] = "2026-03-02T09:55:00+01:00" }),
        ["romMeasurements"] = new JsonArray(
            new JsonObject
            {
                ["joint"] = "elbow", ["movement"] = "flexion", ["mode"] = "active", ["side"] = "right", ["degrees"] = 132,
                ["timing"] = "pre", ["method"] = "goniometer", ["takenAt"] = "2026-03-02T09:26:00+01:00",
            }),
        ["screening"] = new JsonObject
        {
            ["performedAt"] = "2026-03-02T09:20:00+01:00",
            ["result"] = "cleared",
            ["predictions"] = new JsonArray(new JsonObject { ["outcome"] = "petechiae", ["risk"] = "low" }),
        },
        ["notes"] = notes,
    };

    /// <summary>A valid session as JSON text.</summary>
    public static string Text(string sessionId = "STM-T-0001", string family = "Hoffmann", string mrn = "MRN-0048213", int prePain = 6) =>
        Create(sessionId, family, mrn, prePain).ToJsonString();
}
