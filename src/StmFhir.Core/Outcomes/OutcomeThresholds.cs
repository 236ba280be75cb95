namespace StmFhir.Core.Outcomes;

/// <summary>
/// The thresholds a change in an outcome must reach to count, with their sources.
/// </summary>
/// <remarks>
/// <para>Pain (0-10 numeric rating scale): the minimal clinically important difference is a fall of about 2 points or about
/// 30 % from the baseline (Farrar JT, Young JP, LaMoreaux L, Werth JL, Poole RM. Clinical importance of changes in chronic
/// pain intensity measured on an 11-point numerical pain rating scale. Pain 2001;94(2):149-158). A change counts when it
/// reaches either. Farrar et al. measured improvement; the same size is used to flag a rise as worse, which is a
/// symmetric use of their figure, not a finding of theirs.</para>
/// <para>Range of motion (goniometry): no minimal clinically important difference is established across the joints and
/// movements STM sessions measure, so none is claimed. A change counts when it is larger than goniometric measurement
/// error: 10 degrees. Boone et al. found that gains must exceed 3-4 degrees when one tester measures, and 5 degrees
/// (upper extremity) or 6 degrees (lower extremity) when testers differ (Boone DC, Azen SP, Lin CM, Spence C, Baron C,
/// Lee L. Reliability of goniometric measurements. Phys Ther 1978;58(11):1355-1360); sessions are often measured by
/// different clinicians, so 10 degrees leaves a margin above the between-tester figures, and is the tolerance the
/// clinical rules allow around normal ranges. For the shoulder measured in painful patients, between-observer limits of
/// agreement are wider (about 20 degrees with an inclinometer; de Winter AF et al. BMC Musculoskelet Disord 2004;5:18),
/// so a 10 degree shoulder change may still be measurement error. A gain beyond the threshold is a real change in the
/// measurement, not proof that it matters to the patient.</para>
/// </remarks>
public static class OutcomeThresholds
{
    /// <summary>The pain MCID in NRS points (Farrar et al. 2001).</summary>
    public const decimal PainPoints = 2m;

    /// <summary>The pain MCID as a fraction of the baseline (Farrar et al. 2001).</summary>
    public const decimal PainFraction = 0.30m;

    /// <summary>The range-of-motion measurement-error threshold in degrees (not an MCID; none is established).</summary>
    public const decimal RomDegrees = 10m;

    /// <summary>The pain threshold in words, with its source.</summary>
    public const string PainRule =
        "MCID: a change of at least 2 points or at least 30% of the first value (Farrar et al. 2001, Pain 94(2):149-158)";

    /// <summary>The range-of-motion threshold in words, with its source.</summary>
    public const string RomRule =
        "No MCID is established for goniometric ROM; a change of at least 10 degrees exceeds between-tester goniometric "
        + "measurement error (5-6 degrees; Boone et al. 1978, Phys Ther 58(11):1355-1360)";

    /// <summary>
    /// How <paramref name="to"/> compares with <paramref name="from"/>: for pain a fall is better, for range of motion a rise.
    /// </summary>
    public static ChangeAssessment Assess(bool pain, decimal from, decimal to)
    {
        var change = to - from;
        bool Reaches(decimal size) => pain
            ? size >= PainPoints || (from > 0 && size / from >= PainFraction)
            : size >= RomDegrees;
        if (change == 0 || !Reaches(Math.Abs(change)))
        {
            return ChangeAssessment.NoImportantChange;
        }
        var better = pain ? change < 0 : change > 0;
        return better ? ChangeAssessment.Improved : ChangeAssessment.Worsened;
    }
}
