using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Mapping;

/// <summary>A pain score as an Observation (profile stm-pain-score; MAPPING.md).</summary>
internal static class PainScoreMapper
{
    public static Observation ToObservation(PainScore score, int index, SessionKeys keys, string patientId, string practitionerId)
    {
        var observation = new Observation
        {
            Id = keys.Id(SessionKeys.Pain, index),
            Meta = FhirValues.Profile(Profiles.PainScore),
            Identifier = [keys.Identifier(SessionKeys.Pain, index)],
            PartOf = [FhirValues.Reference(keys.ProcedureId)],
            Status = ObservationStatus.Final,
            Category = [FhirValues.Concept(StmCodes.CategorySurvey)],
            Code = FhirValues.Concept(StmCodes.PainSeverity),
            Subject = FhirValues.Reference(patientId),
            Effective = new FhirDateTime(FhirValues.DateTime(score.TakenAt)),
            Performer = [FhirValues.Reference(practitionerId)],
            Value = new Integer(score.Score),
            BodySite = score.Site is { } site ? FhirValues.BodySite(StmCodes.BodyRegions[site], score.Laterality) : null,
        };
        observation.Extension.Add(FhirValues.CodedExtension(Extensions.MeasurementTiming, StmCodes.Timing.Coding(score.Timing)));
        return observation;
    }

    public static PainScore? FromObservation(Observation observation, string at, MappingProblems problems)
    {
        var score = problems.Require((observation.Value as Integer)?.Value, $"{at}.valueInteger");
        var timing = problems.Require(StmCodes.Timing.From(FhirValues.ExtensionConcept(observation, Extensions.MeasurementTiming)),
            $"{at}.extension('stm-measurement-timing')");
        var takenAt = problems.Require(FhirValues.ParseDateTime((observation.Effective as FhirDateTime)?.Value), $"{at}.effectiveDateTime");
        BodyRegion? site = null;
        if (observation.BodySite is { } bodySite)
        {
            site = problems.Require(StmCodes.Find(StmCodes.BodyRegions, bodySite), $"{at}.bodySite", "is not a known STM body region");
        }
        return score is null || timing is null || takenAt is null
            ? null
            : new PainScore
            {
                Score = score.Value,
                Timing = timing.Value,
                Site = site,
                Laterality = FhirValues.LateralityOf(observation.BodySite),
                TakenAt = takenAt.Value,
            };
    }

    public static bool IsPainScore(Observation observation) =>
        observation.Code?.Coding.Any(c => c.System == StmCodes.PainSeverity.System && c.Code == StmCodes.PainSeverity.Code) == true;
}
