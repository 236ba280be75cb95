using System.Text.Json.Serialization;

namespace StmFhir.Core.Sessions;

/// <summary>The IASTM instrument used in a session.</summary>
/// <param name="Name">The instrument's name as the clinic knows it, e.g. "GT-3".</param>
/// <param name="ToolSystem">The named tool system it belongs to.</param>
public sealed record InstrumentRecord(string Name, ToolSystem ToolSystem);

/// <summary>One treated body region.</summary>
/// <param name="Site">The region.</param>
/// <param name="Laterality">The side, where the region has one.</param>
/// <param name="Minutes">Minutes spent on the region (1-120).</param>
public sealed record TreatedRegion(BodyRegion Site, Laterality? Laterality, int Minutes);

/// <summary>
/// A coded clinical statement (a treated condition or a screening finding): SNOMED CT and/or ICD-10-CM, at least one.
/// </summary>
public sealed record ClinicalCode
{
    /// <summary>SNOMED CT concept id.</summary>
    public string? Snomed { get; init; }

    /// <summary>ICD-10-CM code, with its dot (e.g. "M77.12").</summary>
    /// <remarks>Named explicitly: the camel-case policy would write "icd10Cm", which the reader rejects.</remarks>
    [JsonPropertyName("icd10cm")]
    public string? Icd10Cm { get; init; }

    /// <summary>Human-readable text, as the clinician wrote it.</summary>
    public string? Text { get; init; }
}

/// <summary>A complication seen during or after the session.</summary>
/// <param name="Kind">What was seen.</param>
/// <param name="Note">Free-text detail.</param>
public sealed record Complication(ComplicationKind Kind, string? Note);
