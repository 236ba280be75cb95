using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>
/// The body regions a session concerns, for STM-CLIN-012: the regions it treated (with the regions a treated structure
/// spans) and the regions its indications are conditions of. Regions, not sides: measuring the unaffected side for
/// comparison is ordinary practice (several samples do), so the side never makes a measurement suspect.
/// </summary>
internal static class BodySites
{
    /// <summary>
    /// The regions each indication is a condition of, by its code (SNOMED CT, or ICD-10-CM by category). Plantar
    /// fasciitis includes the ankle because ankle dorsiflexion is the range of motion measured for it (its samples do);
    /// Achilles tendinopathy the lower leg and ankle the tendon runs between. Codes as docs/TERMINOLOGY.md lists them (all
    /// confidence H but the two marked M); an ICD-10-CM category stands for its listed codes (M77.1 for M77.11/M77.12).
    /// </summary>
    private static readonly Dictionary<string, BodyRegion[]> s_snomed = new(StringComparer.Ordinal)
    {
        ["202855006"] = [BodyRegion.Elbow], // lateral epicondylitis
        ["73583000"] = [BodyRegion.Elbow], // epicondylitis
        ["202882003"] = [BodyRegion.Foot, BodyRegion.Ankle], // plantar fasciitis
        ["11654001"] = [BodyRegion.Ankle, BodyRegion.LowerLeg], // Achilles tendinitis
        ["57406009"] = [BodyRegion.Wrist], // carpal tunnel syndrome
        ["414033006"] = [BodyRegion.Shoulder], // disorder of rotator cuff
        ["399114005"] = [BodyRegion.Shoulder], // adhesive capsulitis
        ["1237306007"] = [BodyRegion.Knee], // arthrofibrosis of knee
        ["813001"] = [BodyRegion.Ankle], // ankle instability
    };

    private static readonly (string Prefix, BodyRegion[] Regions)[] s_icd10Cm =
    [
        ("M77.0", [BodyRegion.Elbow]), // medial epicondylitis
        ("M77.1", [BodyRegion.Elbow]), // lateral epicondylitis
        ("M72.2", [BodyRegion.Foot, BodyRegion.Ankle]), // plantar fascial fibromatosis
        ("M76.6", [BodyRegion.Ankle, BodyRegion.LowerLeg]), // Achilles tendinitis
        ("G56.0", [BodyRegion.Wrist]), // carpal tunnel syndrome
        ("M75.0", [BodyRegion.Shoulder]), // adhesive capsulitis
        ("M75.4", [BodyRegion.Shoulder]), // impingement syndrome of shoulder
        ("M76.5", [BodyRegion.Knee]), // patellar tendinitis (M76.51/.52, confidence M: the region is in the name either way)
        ("M65.4", [BodyRegion.Wrist]), // radial styloid tenosynovitis (de Quervain; confidence M: the region is in the name either way)
    ];

    /// <summary>The iliotibial tract runs from the hip along the thigh to the lateral knee, so treating it concerns both.</summary>
    private static readonly Dictionary<BodyRegion, BodyRegion[]> s_spans = new()
    {
        [BodyRegion.IliotibialTract] = [BodyRegion.Thigh, BodyRegion.Knee],
    };

    /// <summary>
    /// The regions <paramref name="procedure"/> concerns, or null when one of its indications is of a region this table
    /// does not know (uncoded, or a code not listed): then no measurement can be said to be away from the indication.
    /// </summary>
    public static HashSet<BodyRegion>? Concerned(Procedure procedure)
    {
        var regions = new HashSet<BodyRegion>();
        foreach (var site in procedure.BodySite)
        {
            if (StmCodes.Find(StmCodes.BodyRegions, site) is { } region)
            {
                regions.Add(region);
                regions.UnionWith(s_spans.GetValueOrDefault(region, []));
            }
        }
        foreach (var indication in procedure.ReasonCode)
        {
            if (IndicationRegions(indication) is not { } of)
            {
                return null;
            }
            regions.UnionWith(of);
        }
        return regions;
    }

    /// <summary>The region a range-of-motion joint lies in (the ankle joint is in the ankle region).</summary>
    public static BodyRegion? RegionOf(Joint joint) => joint switch
    {
        Joint.Shoulder => BodyRegion.Shoulder,
        Joint.Elbow => BodyRegion.Elbow,
        Joint.Wrist => BodyRegion.Wrist,
        Joint.Knee => BodyRegion.Knee,
        Joint.Ankle => BodyRegion.Ankle,
        _ => null,
    };

    private static BodyRegion[]? IndicationRegions(CodeableConcept indication)
    {
        foreach (var coding in indication.Coding)
        {
            if (coding.System == Standard.Snomed && coding.Code is { } snomed && s_snomed.TryGetValue(snomed, out var regions))
            {
                return regions;
            }
            if (coding.System == Standard.Icd10Cm && coding.Code is { } icd
                && s_icd10Cm.FirstOrDefault(e => icd.StartsWith(e.Prefix, StringComparison.Ordinal)).Regions is { } byCategory)
            {
                return byCategory;
            }
        }
        return null;
    }
}

/// <summary>
/// The screening findings that mean a bleeding risk, for STM-CLIN-011: anticoagulant therapy, coded as
/// docs/TERMINOLOGY.md verifies it (SNOMED CT 711150003 long-term current use of anticoagulant and 182764009
/// anticoagulant therapy, both high confidence; ICD-10-CM Z79.01 long term use of anticoagulants). A bleeding disorder
/// counts as well in the clinic, but no code for one is verified there, so none is guessed here; medications of note
/// are free text without a verified drug code list, so they are not read as a finding.
/// </summary>
internal static class BleedingRiskCodes
{
    public static bool Contains(Coding coding) =>
        (coding.System == Standard.Snomed && coding.Code is "711150003" or "182764009")
        || (coding.System == Standard.Icd10Cm && coding.Code is "Z79.01");
}
