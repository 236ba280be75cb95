using System.Globalization;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Outcomes;

/// <summary>A session's Procedure as the trends need it: its id and start.</summary>
public sealed record SessionStart(string ProcedureId, DateTimeOffset Start);

/// <summary>One pain or ROM value as the trends need it.</summary>
/// <param name="ProcedureId">The session it belongs to (its Procedure's id).</param>
/// <param name="Measure">What was measured.</param>
/// <param name="Timing">Before, after or at follow-up of the session.</param>
/// <param name="TakenAt">When.</param>
/// <param name="Value">NRS points or degrees.</param>
public sealed record MeasuredValue(string ProcedureId, OutcomeMeasure Measure, MeasurementTiming Timing, DateTimeOffset TakenAt, decimal Value);

/// <summary>What one stored Procedure or Observation gives its patient's trends: a session start or a measured value.</summary>
/// <param name="PatientId">The patient it is about (its <c>subject</c>).</param>
/// <param name="Session">A Procedure's session start.</param>
/// <param name="Value">An Observation's pain or ROM value.</param>
public sealed record OutcomeEntry(string PatientId, SessionStart? Session, MeasuredValue? Value);

/// <summary>
/// Reads the few elements the trends need straight from stored FHIR JSON (the store's own, validated at intake), without
/// building Firely's resource objects: for a patient with 100 sessions that parse was nearly all of the operation's time.
/// The elements are the ones the mappers write (PainScoreMapper, RangeOfMotionMapper, ProcedureMapper); anything else
/// (another kind of Observation, a value not understood) is left out, as the reverse mapping would refuse it.
/// </summary>
public static class OutcomeJson
{
    /// <summary>
    /// What a stored resource of <paramref name="type"/> gives its patient's trends, or null: not a Procedure or
    /// Observation, no patient subject, not an STM session or a pain or ROM value, or not JSON at all (a deleted version).
    /// </summary>
    public static OutcomeEntry? Read(string type, string json)
    {
        if (type is not ("Procedure" or "Observation") || string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || PatientOf(root) is not { } patient)
            {
                return null;
            }
            return type == "Procedure"
                ? ReadSession(root) is { } session ? new OutcomeEntry(patient, session, null) : null
                : ReadMeasurement(root) is { } value ? new OutcomeEntry(patient, null, value) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The STM session of a stored Procedure, or null when it is not one or has no readable start.</summary>
    public static SessionStart? ReadSession(string procedureJson)
    {
        using var document = JsonDocument.Parse(procedureJson);
        return ReadSession(document.RootElement);
    }

    private static SessionStart? ReadSession(JsonElement root)
    {
        if (!HasCoding(root, "code", StmCodes.StmProcedure.System!, StmCodes.StmProcedure.Code!)
            || Text(root, "id") is not { } id
            || !root.TryGetProperty("performedPeriod", out var period)
            || DateTime(Text(period, "start")) is not { } start)
        {
            return null;
        }
        return new SessionStart(id, start);
    }

    /// <summary>The pain score or ROM measurement of a stored Observation, or null when it is neither or not readable.</summary>
    public static MeasuredValue? ReadMeasurement(string observationJson)
    {
        using var document = JsonDocument.Parse(observationJson);
        return ReadMeasurement(document.RootElement);
    }

    private static MeasuredValue? ReadMeasurement(JsonElement root)
    {
        if (ProcedureOf(root) is not { } procedure
            || DateTime(Text(root, "effectiveDateTime")) is not { } at
            || Code(Extension(root, Extensions.MeasurementTiming), CodeSystems.MeasurementTiming) is not { } timingCode
            || !JsonNames<MeasurementTiming>.TryParse(timingCode, out var timing))
        {
            return null;
        }
        if (HasCoding(root, "code", StmCodes.PainSeverity.System!, StmCodes.PainSeverity.Code!))
        {
            return root.TryGetProperty("valueInteger", out var score) && score.TryGetInt32(out var points)
                ? new MeasuredValue(procedure, OutcomeMeasure.Pain, timing, at, points)
                : null;
        }
        if (!HasCoding(root, "code", StmCodes.RangeOfJointMovement.System!, StmCodes.RangeOfJointMovement.Code!)
            || !root.TryGetProperty("bodySite", out var site)
            || Find(StmCodes.Joints, site) is not { } joint
            || Find(StmCodes.Lateralities, Extension(site, Extensions.Laterality)) is not { } laterality
            || Movement(root) is not { } movement
            || Code(Extension(root, Extensions.RomMode), CodeSystems.RomMode) is not { } modeCode
            || !JsonNames<RomMode>.TryParse(modeCode, out var mode)
            || !root.TryGetProperty("valueQuantity", out var quantity) || Text(quantity, "code") != "deg"
            || !quantity.TryGetProperty("value", out var degrees) || !degrees.TryGetDecimal(out var value))
        {
            return null;
        }
        Side? side = laterality switch { Laterality.Left => Side.Left, Laterality.Right => Side.Right, _ => null };
        return side is null ? null : new MeasuredValue(procedure, new OutcomeMeasure(new RomKey(joint, movement, side.Value, mode)), timing, at, value);
    }

    /// <summary>
    /// The id of the Patient in <c>subject</c>, relative (<c>Patient/id</c>) or absolute, as the store's <c>patient</c>
    /// search parameter reads it.
    /// </summary>
    private static string? PatientOf(JsonElement root)
    {
        if (!root.TryGetProperty("subject", out var subject) || Text(subject, "reference") is not { } reference)
        {
            return null;
        }
        var history = reference.IndexOf("/_history/", StringComparison.Ordinal);
        var parts = (history >= 0 ? reference[..history] : reference).Split('/');
        return parts.Length >= 2 && parts[^2] == "Patient" && parts[^1].Length > 0 ? parts[^1] : null;
    }

    private static string? ProcedureOf(JsonElement root)
    {
        if (root.TryGetProperty("partOf", out var partOf) && partOf.ValueKind == JsonValueKind.Array)
        {
            foreach (var reference in partOf.EnumerateArray())
            {
                if (Text(reference, "reference") is { } text && text.StartsWith("Procedure/", StringComparison.Ordinal))
                {
                    return text["Procedure/".Length..];
                }
            }
        }
        return null;
    }

    private static Movement? Movement(JsonElement root)
    {
        if (!root.TryGetProperty("component", out var components) || components.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var component in components.EnumerateArray())
        {
            if (HasCoding(component, "code", StmCodes.MovementComponent.System!, StmCodes.MovementComponent.Code!)
                && component.TryGetProperty("valueCodeableConcept", out var concept))
            {
                return Find(StmCodes.Movements, concept);
            }
        }
        return null;
    }

    private static JsonElement? Extension(JsonElement element, string url)
    {
        if (element.TryGetProperty("extension", out var extensions) && extensions.ValueKind == JsonValueKind.Array)
        {
            foreach (var extension in extensions.EnumerateArray())
            {
                if (Text(extension, "url") == url && extension.TryGetProperty("valueCodeableConcept", out var concept))
                {
                    return concept;
                }
            }
        }
        return null;
    }

    private static IEnumerable<(string? System, string? Code)> Codings(JsonElement? concept)
    {
        if (concept is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array)
        {
            foreach (var coding in codings.EnumerateArray())
            {
                yield return (Text(coding, "system"), Text(coding, "code"));
            }
        }
    }

    private static bool HasCoding(JsonElement element, string name, string system, string code) =>
        element.TryGetProperty(name, out var concept) && Codings(concept).Any(c => c.System == system && c.Code == code);

    private static string? Code(JsonElement? concept, string system) => Codings(concept).FirstOrDefault(c => c.System == system).Code;

    private static TKey? Find<TKey>(IReadOnlyDictionary<TKey, Coding> table, JsonElement? concept) where TKey : struct
    {
        foreach (var (system, code) in Codings(concept))
        {
            foreach (var (key, known) in table)
            {
                if (known.System == system && known.Code == code)
                {
                    return key;
                }
            }
        }
        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    // As FhirValues.ParseDateTime: a full date and time only (a bare date has no time to order by).
    private static DateTimeOffset? DateTime(string? value) =>
        value is { Length: > 10 } && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;
}
