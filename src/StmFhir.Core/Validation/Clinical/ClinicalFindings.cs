using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>
/// The clinical rules' warnings that concern the patient, as FHIR <c>DetectedIssue</c> resources (profile
/// stm-detected-issue) to store and push with the session they were found in. Everything in one depends only on the
/// warning and the resource it is about, never on the time of intake, so the same session gives the same resources
/// and a re-send writes nothing.
/// </summary>
public static class ClinicalFindings
{
    /// <summary>
    /// The rules stored as findings, with the DetectedIssue severity of each: high where the patient may come to harm
    /// (a bleeding risk), moderate for what happened to the patient (petechiae, a pain rise) or a step out of order (a
    /// late screening), low for measurements that may be entry errors (range of motion, site).
    /// </summary>
    private static readonly Dictionary<string, DetectedIssue.DetectedIssueSeverity> s_severity = new(StringComparer.Ordinal)
    {
        [IssueCodes.ScreeningAfterStart] = DetectedIssue.DetectedIssueSeverity.Moderate,
        [IssueCodes.RomOutsideNormal] = DetectedIssue.DetectedIssueSeverity.Low,
        [IssueCodes.RomNoReference] = DetectedIssue.DetectedIssueSeverity.Low,
        [IssueCodes.PainIncrease] = DetectedIssue.DetectedIssueSeverity.Moderate,
        [IssueCodes.Petechiae] = DetectedIssue.DetectedIssueSeverity.Moderate,
        [IssueCodes.BleedingRiskTechnique] = DetectedIssue.DetectedIssueSeverity.High,
        [IssueCodes.MeasuredSiteNotTreated] = DetectedIssue.DetectedIssueSeverity.Low,
    };

    private const string EntryPrefix = "Bundle.entry[";

    /// <summary>The system of identifiers of findings whose resource has no business identifier to derive one from.</summary>
    public const string IdentifierSystem = Terminology.StmCanonical.Base + "/sid/detected-issue";

    /// <summary>True for the codes of rules whose warnings are stored as findings.</summary>
    public static bool IsFinding(string code) => s_severity.ContainsKey(code);

    /// <summary>
    /// One DetectedIssue per warning of a finding rule on an entry of <paramref name="bundle"/> that has an identity
    /// (a full URL or an id) and a subject; references point at the entries' full URLs, as the Bundle's own do.
    /// </summary>
    public static IReadOnlyList<DetectedIssue> For(Bundle bundle, IEnumerable<ValidationIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(issues);
        var findings = new Dictionary<string, DetectedIssue>(StringComparer.Ordinal);
        foreach (var issue in issues)
        {
            if (issue.IsError || !s_severity.TryGetValue(issue.Code, out var severity) || Locate(bundle, issue.Expression) is not { } at)
            {
                continue;
            }
            if (Build(at.Entry, at.Element, issue, severity) is { } finding)
            {
                findings.TryAdd(finding.Id!, finding);
            }
        }
        return [.. findings.Values];
    }

    /// <summary>A stored finding its session no longer triggers, as <c>entered-in-error</c> (kept, not deleted: it was seen and may have been acted on).</summary>
    public static DetectedIssue Retired(DetectedIssue stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var retired = (DetectedIssue)stored.DeepCopy();
        retired.Status = ObservationStatus.EnteredInError;
        return retired;
    }

    private static (Bundle.EntryComponent Entry, string Element)? Locate(Bundle bundle, string? expression)
    {
        if (expression is null || !expression.StartsWith(EntryPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var close = expression.IndexOf(']', EntryPrefix.Length);
        if (close < 0 || !int.TryParse(expression.AsSpan(EntryPrefix.Length, close - EntryPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index >= bundle.Entry.Count || bundle.Entry[index].Resource is not { } resource)
        {
            return null;
        }
        var rest = expression[(close + 1)..];
        rest = rest.StartsWith(".resource", StringComparison.Ordinal) ? rest[".resource".Length..] : rest;
        return (bundle.Entry[index], resource.TypeName + rest);
    }

    private static DetectedIssue? Build(Bundle.EntryComponent entry, string element, ValidationIssue issue, DetectedIssue.DetectedIssueSeverity severity)
    {
        var resource = entry.Resource!;
        var self = entry.FullUrl ?? (resource.Id is { } id ? $"{resource.TypeName}/{id}" : null);
        var (subject, identified, session) = resource switch
        {
            Procedure p => (p.Subject, (p.Performed as Period)?.Start ?? (p.Performed as FhirDateTime)?.Value, null),
            Observation o => (o.Subject, (o.Effective as FhirDateTime)?.Value ?? (o.Effective as Period)?.Start, o.PartOf.FirstOrDefault()),
            RiskAssessment r => (r.Subject, (r.Occurrence as FhirDateTime)?.Value ?? (r.Occurrence as Period)?.Start, r.Parent),
            _ => ((ResourceReference?)null, (string?)null, (ResourceReference?)null),
        };
        if (self is null || subject?.Reference is null || identified is null)
        {
            return null;
        }
        var key = resource.Id is { } rid ? $"{resource.TypeName}/{rid}" : self;
        var finding = new DetectedIssue
        {
            Id = DeterministicId.From("detected-issue", key, issue.Code, element),
            Meta = FhirValues.Profile(Profiles.DetectedIssue),
            Status = ObservationStatus.Final,
            Code = FhirValues.Concept(StmCodes.ClinicalFindings[issue.Code]),
            Severity = severity,
            Patient = new ResourceReference(subject.Reference),
            Identified = new FhirDateTime(identified),
            Implicated = [new ResourceReference(self)],
            Evidence = [new DetectedIssue.EvidenceComponent { Detail = [new ResourceReference(self)] }],
            Detail = issue.Message,
        };
        if (session?.Reference is { } procedure && procedure != self)
        {
            // The session's Procedure too, so that every finding of a session is found by implicated=Procedure/{id}.
            finding.Implicated.Add(new ResourceReference(procedure));
        }
        finding.Identifier = [IdentifierOf(resource, issue.Code, element) ?? new Identifier(IdentifierSystem, finding.Id)];
        return finding;
    }

    /// <summary>The resource's business identifier extended by the rule and the element: <c>STM-2026-0108/pain/1/STM-CLIN-007/Observation.valueInteger</c>.</summary>
    private static Identifier? IdentifierOf(Resource resource, string code, string element) =>
        (resource as IIdentifiable<List<Identifier>>)?.Identifier.FirstOrDefault(i => i.System is not null && i.Value is not null) is { } identifier
            ? new Identifier(identifier.System, $"{identifier.Value}/{code}/{element}")
            : null;
}
