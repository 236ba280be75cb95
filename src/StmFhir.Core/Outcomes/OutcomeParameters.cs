using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Outcomes;

/// <summary>
/// An <see cref="OutcomeReport"/> as the <c>Parameters</c> resource <c>$stm-outcomes</c> returns (its OperationDefinition in
/// profiles/ names every part): <c>patient</c>; one <c>session</c> per session; one <c>series</c> per measure and timing,
/// each with its threshold rule and one <c>point</c> per session; one <c>durability</c> per session with pre, post and
/// follow-up values.
/// </summary>
public static class OutcomeParameters
{
    /// <summary>The code of an assessment: <c>improved</c>, <c>worsened</c> or <c>no-important-change</c>.</summary>
    public static string Code(ChangeAssessment assessment) => assessment switch
    {
        ChangeAssessment.Improved => "improved",
        ChangeAssessment.Worsened => "worsened",
        _ => "no-important-change",
    };

    /// <summary>The report as Parameters.</summary>
    public static Parameters ToParameters(OutcomeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var parameters = new Parameters();
        parameters.Add("patient", new ResourceReference($"Patient/{report.PatientId}"));
        foreach (var session in report.Sessions)
        {
            parameters.Parameter.Add(Group("session",
                Part("number", new Integer(session.Number)),
                Part("procedure", new ResourceReference($"Procedure/{session.ProcedureId}")),
                Part("start", new FhirDateTime(session.Start))));
        }
        foreach (var series in report.Series)
        {
            parameters.Parameter.Add(Series(series));
        }
        foreach (var durability in report.Durability)
        {
            var group = Group("durability",
                Part("measure", new Code(durability.Measure.Key)),
                Part("session", new Integer(durability.Session)),
                Part("procedure", new ResourceReference($"Procedure/{durability.ProcedureId}")),
                Part("pre", new FhirDecimal(durability.Pre)),
                Part("post", new FhirDecimal(durability.Post)),
                Part("followUp", new FhirDecimal(durability.FollowUp)),
                Part("postGain", new Code(Code(durability.PostGain))),
                Part("followUpGain", new Code(Code(durability.FollowUpGain))));
            if (durability.Held is { } held)
            {
                group.Part.Add(Part("held", new FhirBoolean(held)));
            }
            parameters.Parameter.Add(group);
        }
        return parameters;
    }

    private static Parameters.ParameterComponent Series(OutcomeSeries series)
    {
        var group = Group("series", Part("measure", new Code(series.Measure.Key)));
        if (series.Measure.Rom is { } rom)
        {
            group.Part.Add(Part("joint", (Coding)StmCodes.Joints[rom.Joint].DeepCopy()));
            group.Part.Add(Part("movement", (Coding)StmCodes.Movements[rom.Movement].DeepCopy()));
            group.Part.Add(Part("side", new Code(JsonNames<Side>.Of(rom.Side))));
            group.Part.Add(Part("mode", new Code(JsonNames<RomMode>.Of(rom.Mode))));
        }
        group.Part.Add(Part("timing", new Code(JsonNames<MeasurementTiming>.Of(series.Timing))));
        group.Part.Add(Part("unit", new Code(series.Measure.IsPain ? "{score}" : "deg")));
        group.Part.Add(Part("threshold", new FhirString(series.Measure.IsPain ? OutcomeThresholds.PainRule : OutcomeThresholds.RomRule)));
        if (series.NormalMax is { } max)
        {
            group.Part.Add(Part("normalLow", Degrees(0)));
            group.Part.Add(Part("normalHigh", Degrees(max)));
        }
        foreach (var point in series.Points)
        {
            var part = Group("point",
                Part("session", new Integer(point.Session)),
                Part("procedure", new ResourceReference($"Procedure/{point.ProcedureId}")),
                Part("takenAt", new FhirDateTime(point.TakenAt)),
                Part("value", new FhirDecimal(point.Value)));
            if (point.Change is { } change && point.Assessment is { } assessment)
            {
                part.Part.Add(Part("change", new FhirDecimal(change)));
                part.Part.Add(Part("assessment", new Code(Code(assessment))));
            }
            group.Part.Add(part);
        }
        return group;
    }

    private static Quantity Degrees(decimal value) => new() { Value = value, Unit = "deg", System = StmCanonical.Standard.Ucum, Code = "deg" };

    private static Parameters.ParameterComponent Group(string name, params Parameters.ParameterComponent[] parts) =>
        new() { Name = name, Part = [.. parts] };

    private static Parameters.ParameterComponent Part(string name, DataType value) => new() { Name = name, Value = value };
}
