using System.Buffers;
using System.Text;
using System.Text.Json;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Outcomes;

/// <summary>
/// An <see cref="OutcomeReport"/> as the FHIR JSON of the <c>Parameters</c> resource <c>$stm-outcomes</c> returns (its
/// OperationDefinition in profiles/ names every part): <c>patient</c>; one <c>session</c> per session; one <c>series</c>
/// per measure and timing, each with its threshold rule and one <c>point</c> per session; one <c>durability</c> per
/// session with pre, post and follow-up values.
/// </summary>
/// <remarks>
/// Written straight to JSON rather than through Firely's Parameters object and serializer: for 100 sessions (500 points)
/// that serializer took most of the operation's time. The tests read the result with Firely's strict parser.
/// </remarks>
public static class OutcomeParameters
{
    /// <summary>The code of an assessment: <c>improved</c>, <c>worsened</c> or <c>no-important-change</c>.</summary>
    public static string Code(ChangeAssessment assessment) => assessment switch
    {
        ChangeAssessment.Improved => "improved",
        ChangeAssessment.Worsened => "worsened",
        _ => "no-important-change",
    };

    /// <summary>The report as Parameters JSON.</summary>
    public static string ToJson(OutcomeReport report, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "Parameters");
            json.WriteStartArray("parameter");
            Value(json, "patient", "valueReference", $"Patient/{report.PatientId}");
            foreach (var session in report.Sessions)
            {
                Open(json, "session");
                Value(json, "number", session.Number);
                Value(json, "procedure", "valueReference", $"Procedure/{session.ProcedureId}");
                Value(json, "start", "valueDateTime", Instant(session.Start));
                Close(json);
            }
            foreach (var series in report.Series)
            {
                Series(json, series);
            }
            foreach (var durability in report.Durability)
            {
                Durability(json, durability);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Series(Utf8JsonWriter json, OutcomeSeries series)
    {
        Open(json, "series");
        Value(json, "measure", "valueCode", series.Measure.Key);
        if (series.Measure.Rom is { } rom)
        {
            Coding(json, "joint", StmCodes.Joints[rom.Joint]);
            Coding(json, "movement", StmCodes.Movements[rom.Movement]);
            Value(json, "side", "valueCode", JsonNames<Side>.Of(rom.Side));
            Value(json, "mode", "valueCode", JsonNames<RomMode>.Of(rom.Mode));
        }
        Value(json, "timing", "valueCode", JsonNames<MeasurementTiming>.Of(series.Timing));
        Value(json, "unit", "valueCode", series.Measure.IsPain ? "{score}" : "deg");
        Value(json, "threshold", "valueString", series.Measure.IsPain ? OutcomeThresholds.PainRule : OutcomeThresholds.RomRule);
        if (series.NormalMax is { } max)
        {
            Degrees(json, "normalLow", 0);
            Degrees(json, "normalHigh", max);
        }
        foreach (var point in series.Points)
        {
            Open(json, "point");
            Value(json, "session", point.Session);
            Value(json, "procedure", "valueReference", $"Procedure/{point.ProcedureId}");
            Value(json, "takenAt", "valueDateTime", Instant(point.TakenAt));
            Value(json, "value", point.Value);
            if (point.Change is { } change && point.Assessment is { } assessment)
            {
                Value(json, "change", change);
                Value(json, "assessment", "valueCode", Code(assessment));
            }
            Close(json);
        }
        Close(json);
    }

    private static void Durability(Utf8JsonWriter json, GainDurability durability)
    {
        Open(json, "durability");
        Value(json, "measure", "valueCode", durability.Measure.Key);
        Value(json, "session", durability.Session);
        Value(json, "procedure", "valueReference", $"Procedure/{durability.ProcedureId}");
        Value(json, "pre", durability.Pre);
        Value(json, "post", durability.Post);
        Value(json, "followUp", durability.FollowUp);
        Value(json, "postGain", "valueCode", Code(durability.PostGain));
        Value(json, "followUpGain", "valueCode", Code(durability.FollowUpGain));
        if (durability.Held is { } held)
        {
            json.WriteStartObject();
            json.WriteString("name", "held");
            json.WriteBoolean("valueBoolean", held);
            json.WriteEndObject();
        }
        Close(json);
    }

    private static void Open(Utf8JsonWriter json, string name)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteStartArray("part");
    }

    private static void Close(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter json, string name, string type, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        if (type == "valueReference")
        {
            json.WriteStartObject(type);
            json.WriteString("reference", value);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString(type, value);
        }
        json.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter json, string name, int value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteNumber("valueInteger", value);
        json.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter json, string name, decimal value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteNumber("valueDecimal", value);
        json.WriteEndObject();
    }

    private static void Coding(Utf8JsonWriter json, string name, Hl7.Fhir.Model.Coding coding)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteStartObject("valueCoding");
        json.WriteString("system", coding.System);
        json.WriteString("code", coding.Code);
        if (coding.Display is { } display)
        {
            json.WriteString("display", display);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Degrees(Utf8JsonWriter json, string name, decimal value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteStartObject("valueQuantity");
        json.WriteNumber("value", value);
        json.WriteString("unit", "deg");
        json.WriteString("system", StmCanonical.Standard.Ucum);
        json.WriteString("code", "deg");
        json.WriteEndObject();
        json.WriteEndObject();
    }

    // FHIR dateTime with seconds and the offset as recorded.
    private static string Instant(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
}
