using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Mapping;

/// <summary>A range-of-motion measurement as an Observation (profile stm-range-of-motion; MAPPING.md).</summary>
internal static class RangeOfMotionMapper
{
    public static Observation ToObservation(RomMeasurement rom, int index, SessionKeys keys, string patientId, string practitionerId)
    {
        var code = new CodeableConcept();
        if (StmCodes.RomLoinc(rom.Joint, rom.Movement, rom.Mode, rom.Side) is { } loinc)
        {
            code.Coding.Add(new Coding(Standard.Loinc, loinc));
        }
        code.Coding.Add((Coding)StmCodes.RangeOfJointMovement.DeepCopy());

        var observation = new Observation
        {
            Id = keys.Id(SessionKeys.Rom, index),
            Meta = FhirValues.Profile(Profiles.RangeOfMotion),
            Identifier = [keys.Identifier(SessionKeys.Rom, index)],
            PartOf = [FhirValues.Reference(keys.ProcedureId)],
            Status = ObservationStatus.Final,
            Category = [FhirValues.Concept(StmCodes.CategoryExam)],
            Code = code,
            Subject = FhirValues.Reference(patientId),
            Effective = new FhirDateTime(FhirValues.DateTime(rom.TakenAt)),
            Performer = [FhirValues.Reference(practitionerId)],
            Value = new Quantity { Value = rom.Degrees, Unit = "deg", System = Standard.Ucum, Code = "deg" },
            BodySite = FhirValues.BodySite(StmCodes.Joints[rom.Joint], rom.Side == Side.Left ? Laterality.Left : Laterality.Right),
            Method = StmCodes.RomMethod.Concept(rom.Method),
            Component =
            [
                new Observation.ComponentComponent
                {
                    Code = FhirValues.Concept(StmCodes.MovementComponent),
                    Value = FhirValues.Concept(StmCodes.Movements[rom.Movement]),
                },
            ],
        };
        observation.Extension.Add(FhirValues.CodedExtension(Extensions.RomMode, StmCodes.RomMode.Coding(rom.Mode)));
        observation.Extension.Add(FhirValues.CodedExtension(Extensions.MeasurementTiming, StmCodes.Timing.Coding(rom.Timing)));
        return observation;
    }

    public static RomMeasurement? FromObservation(Observation observation, string at, MappingProblems problems)
    {
        var joint = problems.Require(StmCodes.Find(StmCodes.Joints, observation.BodySite), $"{at}.bodySite", "is not a known joint");
        Side? side = FhirValues.LateralityOf(observation.BodySite) switch
        {
            Laterality.Left => Side.Left,
            Laterality.Right => Side.Right,
            _ => null,
        };
        problems.Require(side, $"{at}.bodySite.extension('stm-laterality')", "must be left or right");
        var movementComponent = observation.Component.FirstOrDefault(c =>
            c.Code?.Coding.Any(x => x.System == StmCodes.MovementComponent.System && x.Code == StmCodes.MovementComponent.Code) == true);
        var movement = problems.Require(StmCodes.Find(StmCodes.Movements, movementComponent?.Value as CodeableConcept),
            $"{at}.component('movement').valueCodeableConcept");
        var mode = problems.Require(StmCodes.RomMode.From(FhirValues.ExtensionConcept(observation, Extensions.RomMode)),
            $"{at}.extension('stm-rom-mode')");
        var quantity = observation.Value as Quantity;
        var degrees = problems.Require(quantity is { Code: "deg" } ? quantity.Value : null, $"{at}.valueQuantity", "must be a value in UCUM deg");
        var timing = problems.Require(StmCodes.Timing.From(FhirValues.ExtensionConcept(observation, Extensions.MeasurementTiming)),
            $"{at}.extension('stm-measurement-timing')");
        var method = problems.Require(StmCodes.RomMethod.From(observation.Method), $"{at}.method");
        var takenAt = problems.Require(FhirValues.ParseDateTime((observation.Effective as FhirDateTime)?.Value), $"{at}.effectiveDateTime");
        if (joint is null || side is null || movement is null || mode is null || degrees is null || timing is null || method is null
            || takenAt is null)
        {
            return null;
        }
        return new RomMeasurement
        {
            Joint = joint.Value, Movement = movement.Value, Mode = mode.Value, Side = side.Value, Degrees = degrees.Value,
            Timing = timing.Value, Method = method.Value, TakenAt = takenAt.Value,
        };
    }

    public static bool IsRangeOfMotion(Observation observation) =>
        observation.Code?.Coding.Any(c => c.System == StmCodes.RangeOfJointMovement.System && c.Code == StmCodes.RangeOfJointMovement.Code) == true;
}
