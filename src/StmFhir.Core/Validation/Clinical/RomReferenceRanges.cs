using StmFhir.Core.Sessions;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>
/// Normal active range of motion of the joints STM sessions measure, in degrees from the neutral zero position.
/// </summary>
/// <remarks>
/// Source: American Academy of Orthopaedic Surgeons (AAOS) normal values (Greene &amp; Heckman, The Clinical
/// Measurement of Joint Motion, AAOS 1994), as tabulated in Norkin &amp; White, Measurement of Joint Motion: A Guide
/// to Goniometry (F.A. Davis). Extension of elbow and knee is 0 (neutral); hyperextension counts as a positive
/// extension value. Shoulder adduction has no AAOS goniometric norm and is left out (STM-CLIN-006).
/// <para>
/// How a value is judged (<see cref="Judge"/>):
/// within [−<see cref="ToleranceDegrees"/>, max + <see cref="ToleranceDegrees"/>]: fine. The tolerance covers
/// goniometer measurement error (reliability studies put it at about 5–10°) and ordinary variation.
/// Beyond that, up to the plausible bound: a warning (STM-CLIN-005) — people with hypermobility (a connective tissue
/// disorder, itself an STM precaution) genuinely exceed the norms, so this must not block intake.
/// Beyond the plausible bound (below −40°, or above the larger of 2 × max and max + 45°): an error (STM-CLIN-004) —
/// no joint moves that far; it is an entry or unit error (1350 for 135, radians, a swapped field).
/// </para>
/// </remarks>
internal static class RomReferenceRanges
{
    /// <summary>Degrees a measurement may lie outside the normal range before it is reported.</summary>
    public const decimal ToleranceDegrees = 10m;

    private const decimal LowestPlausible = -40m;

    private static readonly Dictionary<(Joint, Movement), decimal> s_normalMax = new()
    {
        [(Joint.Shoulder, Movement.Flexion)] = 180,
        [(Joint.Shoulder, Movement.Extension)] = 60,
        [(Joint.Shoulder, Movement.Abduction)] = 180,
        [(Joint.Shoulder, Movement.InternalRotation)] = 70,
        [(Joint.Shoulder, Movement.ExternalRotation)] = 90,
        [(Joint.Elbow, Movement.Flexion)] = 150,
        [(Joint.Elbow, Movement.Extension)] = 0,
        // Forearm rotation, measured at the elbow.
        [(Joint.Elbow, Movement.Supination)] = 80,
        [(Joint.Elbow, Movement.Pronation)] = 80,
        [(Joint.Wrist, Movement.Flexion)] = 80,
        [(Joint.Wrist, Movement.Extension)] = 70,
        [(Joint.Wrist, Movement.RadialDeviation)] = 20,
        [(Joint.Wrist, Movement.UlnarDeviation)] = 30,
        [(Joint.Knee, Movement.Flexion)] = 135,
        [(Joint.Knee, Movement.Extension)] = 0,
        [(Joint.Ankle, Movement.Dorsiflexion)] = 20,
        [(Joint.Ankle, Movement.Plantarflexion)] = 50,
        [(Joint.Ankle, Movement.Inversion)] = 35,
        [(Joint.Ankle, Movement.Eversion)] = 15,
    };

    /// <summary>The normal maximum, or null when the table has no range for that joint and movement.</summary>
    public static decimal? NormalMax(Joint joint, Movement movement) => s_normalMax.TryGetValue((joint, movement), out var max) ? max : null;

    /// <summary>The largest value that could be a real measurement.</summary>
    public static decimal PlausibleMax(decimal normalMax) => Math.Max(2 * normalMax, normalMax + 45);

    /// <summary>How <paramref name="degrees"/> compares with the range of <paramref name="joint"/> and <paramref name="movement"/>.</summary>
    public static RomJudgement Judge(Joint joint, Movement movement, decimal degrees)
    {
        if (NormalMax(joint, movement) is not { } max)
        {
            return RomJudgement.NoReference;
        }
        if (degrees < LowestPlausible || degrees > PlausibleMax(max))
        {
            return RomJudgement.Implausible;
        }
        return degrees < -ToleranceDegrees || degrees > max + ToleranceDegrees ? RomJudgement.OutsideNormal : RomJudgement.Normal;
    }
}

/// <summary>The verdict of <see cref="RomReferenceRanges.Judge"/>.</summary>
internal enum RomJudgement
{
    Normal,
    OutsideNormal,
    Implausible,
    NoReference,
}
