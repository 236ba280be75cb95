using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>
/// Layer 4: the STM clinical rules (VALIDATION.md, "Layers"). Rules about one resource (range of motion,
/// petechiae) run on any resource; rules that relate resources (screening, pain before and after) need the Bundle
/// of the session. Resources are recognised by their codes, not by meta.profile, so an unprofiled resource is
/// still checked.
/// </summary>
internal static class ClinicalRules
{
    /// <summary>Post-session pain this many points or more above pre-session pain is reported. The minimal clinically
    /// important difference of the 0-10 numeric rating scale is about 2 points (Farrar et al. 2001, Pain 94:149-158;
    /// Childs et al. 2005, Spine 30:1331-1334), so 3 is a change beyond noise in the wrong direction.</summary>
    public const int PainIncreaseThreshold = 3;

    public static IEnumerable<ValidationIssue> Check(Resource root)
    {
        try
        {
            return CheckAll(root);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or ArgumentException or InvalidOperationException or Hl7.Fhir.Validation.CodedValidationException)
        {
            // Never a silent pass: if the rules cannot read the resource, say so.
            return [new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.ClinicalRulesFailed, null,
                $"The STM clinical rules could not be checked: {e.Message}", OperationOutcome.IssueType.Exception)];
        }
    }

    private static List<ValidationIssue> CheckAll(Resource root)
    {
        var entries = ResourcePaths.Of(root).Where(e => e.Resource is not Bundle).ToList();
        var issues = new List<ValidationIssue>();
        foreach (var (resource, path) in entries)
        {
            switch (resource)
            {
                case Procedure procedure:
                    Petechiae(procedure, path, issues);
                    break;
                case Observation observation when SessionCodes.IsRangeOfMotion(observation):
                    RangeOfMotion(observation, path, issues);
                    break;
                case RiskAssessment assessment:
                    RiskProbability(assessment, path, issues);
                    break;
            }
        }
        if (root is Bundle bundle)
        {
            var resources = ResourceSet.Of(bundle);
            Screening(entries, resources, issues);
            PainIncrease(entries, resources, issues);
            ConsistencyRules.Check(entries, resources, issues);
        }
        return issues;
    }

    /// <summary>STM-CLIN-001, -002, -003: a performed session needs a screening that did not say contraindicated, made before it.</summary>
    private static void Screening(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        var screenings = entries.Where(e => e.Resource is RiskAssessment ra && SessionCodes.IsScreening(ra)).ToList();
        foreach (var (resource, path) in entries)
        {
            if (resource is not Procedure procedure || !SessionCodes.IsStmProcedure(procedure) || StatusOf(procedure) is not ("completed" or "stopped"))
            {
                continue;
            }
            var mine = screenings.Where(s => ScreeningOf((RiskAssessment)s.Resource, procedure, resources)).ToList();
            if (mine.Count == 0)
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.NoScreening, path,
                    $"The session was performed ({StatusOf(procedure)}) but the Bundle holds no screening RiskAssessment for it: STM needs a screening for precautions and contraindications first.",
                    OperationOutcome.IssueType.BusinessRule));
                continue;
            }
            foreach (var (screening, screeningPath) in mine)
            {
                var assessment = (RiskAssessment)screening;
                if (StmCodes.ScreeningResult.From(ExtensionConcept(assessment, Extensions.ScreeningResult)) == ScreeningResult.Contraindicated)
                {
                    issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.PerformedDespiteContraindication, path + ".status",
                        $"The session was performed ({StatusOf(procedure)}) although its screening ({screeningPath}) found it contraindicated.",
                        OperationOutcome.IssueType.BusinessRule));
                }
                if (Instant((assessment.Occurrence as FhirDateTime)?.Value) is { } screenedAt
                    && Instant((procedure.Performed as Period)?.Start) is { } startedAt && screenedAt > startedAt)
                {
                    issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.ScreeningAfterStart, screeningPath + ".occurrenceDateTime",
                        $"The screening ({screenedAt:O}) is dated after the session started ({startedAt:O}); screening belongs before treatment.",
                        OperationOutcome.IssueType.BusinessRule));
                }
            }
        }
    }

    /// <summary>A screening belongs to a session when its parent is the session's Procedure, or, without a parent, when it has the same subject.</summary>
    internal static bool ScreeningOf(RiskAssessment screening, Procedure procedure, ResourceSet resources) =>
        screening.Parent?.Reference is not null
            ? resources.Refers(screening.Parent, procedure)
            : resources.Resolve<Resource>(screening.Subject) is { } subject && ReferenceEquals(subject, resources.Resolve<Resource>(procedure.Subject));

    /// <summary>STM-CLIN-004, -005, -006.</summary>
    private static void RangeOfMotion(Observation observation, string path, List<ValidationIssue> issues)
    {
        if (observation.Value is not Quantity quantity || Decimal(quantity.ValueElement) is not { } degrees || quantity.Code is not (null or "deg"))
        {
            return;
        }
        var joint = StmCodes.Find(StmCodes.Joints, observation.BodySite);
        var movementIndex = observation.Component.FindIndex(c => c.Code?.Coding.Any(x => x.System == StmCodes.MovementComponent.System && x.Code == StmCodes.MovementComponent.Code) == true);
        var movement = movementIndex < 0 ? null : StmCodes.Find(StmCodes.Movements, observation.Component[movementIndex].Value as CodeableConcept);
        if (joint is not { } j || movement is not { } m)
        {
            return;
        }
        var what = $"{JsonNames<Joint>.Of(j)} {JsonNames<Movement>.Of(m)}";
        switch (RomReferenceRanges.Judge(j, m, degrees))
        {
            case RomJudgement.NoReference:
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.RomNoReference, $"{path}.component[{movementIndex}].valueCodeableConcept",
                    $"There is no reference range for {what}; the measurement of {degrees}° cannot be checked (is the movement right for that joint?).",
                    OperationOutcome.IssueType.BusinessRule));
                break;
            case RomJudgement.OutsideNormal:
                var max = RomReferenceRanges.NormalMax(j, m);
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.RomOutsideNormal, path + ".valueQuantity.value",
                    $"{degrees}° of {what} is outside the normal range 0–{max}° (AAOS) by more than {RomReferenceRanges.ToleranceDegrees}°; check the measurement.",
                    OperationOutcome.IssueType.BusinessRule));
                break;
            case RomJudgement.Implausible:
                var normal = RomReferenceRanges.NormalMax(j, m)!.Value;
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.RomImplausible, path + ".valueQuantity.value",
                    $"{degrees}° of {what} is not a possible measurement (normal 0–{normal}°, plausible at most {RomReferenceRanges.PlausibleMax(normal)}°); an entry or unit error?",
                    OperationOutcome.IssueType.BusinessRule));
                break;
        }
    }

    /// <summary>STM-CLIN-007: for each post-session pain score, the pre-session score of the same session and site.</summary>
    private static void PainIncrease(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        var scores = entries
            .Where(e => e.Resource is Observation o && SessionCodes.IsPainScore(o) && Int(o.Value as Integer) is not null)
            .Select(e => (Observation: (Observation)e.Resource, e.Path))
            .Select(s => (s.Observation, s.Path,
                Session: s.Observation.PartOf.Select(r => resources.Resolve<Procedure>(r)).FirstOrDefault(p => p is not null),
                Timing: StmCodes.Timing.From(ExtensionConcept(s.Observation, Extensions.MeasurementTiming)),
                Site: SiteKey(s.Observation.BodySite),
                Score: Int(s.Observation.Value as Integer) ?? 0))
            .ToList();
        foreach (var post in scores.Where(s => s.Timing == MeasurementTiming.Post))
        {
            var pre = scores
                .Where(s => s.Timing == MeasurementTiming.Pre && ReferenceEquals(s.Session, post.Session) && s.Site == post.Site)
                .OrderBy(s => Instant(s.Observation.Effective is FhirDateTime at ? at.Value : null) ?? DateTimeOffset.MinValue)
                .LastOrDefault();
            if (pre.Observation is not null && post.Score - pre.Score >= PainIncreaseThreshold)
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.PainIncrease, post.Path + ".valueInteger",
                    $"Pain after the session ({post.Score}/10) is {post.Score - pre.Score} points above pain before it ({pre.Score}/10, {pre.Path}); the treatment should not be painful.",
                    OperationOutcome.IssueType.BusinessRule));
            }
        }
    }

    /// <summary>STM-CLIN-008.</summary>
    private static void Petechiae(Procedure procedure, string path, List<ValidationIssue> issues)
    {
        for (var i = 0; i < procedure.Complication.Count; i++)
        {
            if (procedure.Complication[i].Coding.Any(SessionCodes.IsPetechiae))
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.Petechiae, $"{path}.complication[{i}]",
                    "Petechiae were reported after the session; they are not a goal of STM and may mean excessive pressure.",
                    OperationOutcome.IssueType.BusinessRule));
            }
        }
    }

    /// <summary>STM-CORE-001: what core invariant ras-2 means (see FirelySettings.ExcludedInvariants).</summary>
    private static void RiskProbability(RiskAssessment assessment, string path, List<ValidationIssue> issues)
    {
        for (var i = 0; i < assessment.Prediction.Count; i++)
        {
            if (Decimal(assessment.Prediction[i].Probability as FhirDecimal) is > 100 and var probability)
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.RiskProbabilityAbove100, $"{path}.prediction[{i}].probabilityDecimal",
                    $"Instance failed constraint ras-2 \"Must be <= 100\": probability {probability} is above 100.", OperationOutcome.IssueType.Invariant));
            }
        }
    }

    // A resource read in recoverable mode can hold a value of the wrong type (an integer written as "four"); the
    // typed getters throw on it, so the rules read the raw value. Structure validation reports the wrong type.
    internal static string? StatusOf(Procedure procedure) => procedure.StatusElement?.JsonValue as string;

    private static int? Int(Integer? value) => value?.JsonValue switch { int n => n, long n and >= int.MinValue and <= int.MaxValue => (int)n, _ => null };

    private static decimal? Decimal(FhirDecimal? value) => value?.JsonValue as decimal?;

    private static string SiteKey(CodeableConcept? site) =>
        site is null ? "" : string.Join(",", site.Coding.Select(c => c.System + "|" + c.Code).Order(StringComparer.Ordinal))
            + "/" + string.Join(",", site.Extension.Where(e => e.Url == Extensions.Laterality)
                .SelectMany(e => (e.Value as CodeableConcept)?.Coding ?? []).Select(c => c.System + "|" + c.Code).Order(StringComparer.Ordinal));

    internal static CodeableConcept? ExtensionConcept(IExtendable element, string url) =>
        element.Extension.FirstOrDefault(e => e.Url == url)?.Value as CodeableConcept;

    internal static DateTimeOffset? Instant(string? value) =>
        value is { Length: > 10 } && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var instant)
            ? instant : null;
}
