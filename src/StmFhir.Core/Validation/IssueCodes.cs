namespace StmFhir.Core.Validation;

/// <summary>
/// The stable codes of StmFhir's own checks. Issues of the Firely validator keep its issue number as
/// <c>FIRELY-nnnn</c>. A code never changes meaning; a retired check keeps its code unused.
/// </summary>
public static class IssueCodes
{
    /// <summary>
    /// Error or fatal: the input is not a readable FHIR resource: malformed or too deeply nested JSON or XML, a DTD, no
    /// resourceType, a resource whose type is not a concrete resource type (a datatype, an abstract or unknown type,
    /// anywhere a resource can be), an empty property name, a null FHIR JSON does not allow, a primitive array and its
    /// <c>_</c> array of different lengths. Each names its element.
    /// </summary>
    public const string UnreadableInput = "STM-INPUT-001";

    /// <summary>
    /// Error: the reader, the structure and profile layers or the clinical rules failed on this input (threw) and
    /// could not check it. Firely's validator stops on some elements that syntax-only parsing keeps, e.g. several
    /// values for an element that allows one (a coding's <c>system</c>, an extension's <c>url</c>); the issue names
    /// the first such element when it finds one, or where the reader stopped.
    /// </summary>
    public const string NotCheckable = "STM-INPUT-002";

    /// <summary>Error: validation took longer than its time budget and was stopped (gateway setting <c>Fhir:ValidationTimeBudget</c>).</summary>
    public const string TimeBudgetExceeded = "STM-INPUT-003";

    /// <summary>Error: the input nests so deeply that the validator's walk would exhaust its stack; it was stopped.</summary>
    public const string NestedTooDeeply = "STM-INPUT-004";

    /// <summary>
    /// Fatal: the input holds more elements than the reader takes (each JSON object and value, each array item counted;
    /// in XML each element; gateway setting <c>Fhir:MaxElements</c>); it was not read. What one input may cost to read
    /// and validate grows with its elements.
    /// </summary>
    public const string TooManyElements = "STM-INPUT-005";

    /// <summary>Error: a profile under the StmFhir base URL is claimed (meta.profile or asked for) but does not exist.</summary>
    public const string UnknownStmProfile = "STM-PROF-001";

    /// <summary>Error or warning: generating the snapshot of a profile in profiles/ reported a problem.</summary>
    public const string ProfileSnapshot = "STM-PROF-002";

    /// <summary>
    /// Error: RiskAssessment.prediction.probabilityDecimal above 100. Replaces core invariant ras-2, which the Firely
    /// validator fails on every prediction without a probability (see <c>FirelySettings</c>).
    /// </summary>
    public const string RiskProbabilityAbove100 = "STM-CORE-001";

    /// <summary>
    /// Warning: a RiskAssessment prediction without a probability. Valid R4, but the literal R4 text of invariant ras-2
    /// is empty for it (a defect, FHIR-25796, corrected in R4B), so strict R4 servers that apply that text (Medplum)
    /// refuse the resource. Every <c>STM-INTEROP-</c> code is a warning about how other servers read valid FHIR.
    /// </summary>
    public const string StrictR4RiskProbability = "STM-INTEROP-001";

    /// <summary>
    /// Error: a Bundle entry's <c>fullUrl</c> is not an absolute URI (no scheme, e.g. <c>Patient/1</c>, or an http(s)
    /// URL without a host). R4 defines it as "the Absolute URL for the resource" (Bundle.entry.fullUrl). The syntax of
    /// <c>urn:uuid:</c> and <c>urn:oid:</c> values, and whether the value is a URI at all, is Firely's (FIRELY-1006).
    /// </summary>
    public const string FullUrlNotAbsolute = "STM-BDL-001";

    /// <summary>
    /// Error: a RESTful <c>fullUrl</c> (<c>[base]/Type/id</c>, the RESTful URL pattern of R4 references) that does not end
    /// with the type and id of its entry's resource: "the fullUrl SHALL NOT disagree with the id in the resource".
    /// </summary>
    public const string FullUrlDisagreesWithResource = "STM-BDL-002";

    /// <summary>
    /// Error: a paging or identity link relation (<c>self</c>, <c>first</c>, <c>previous</c>, <c>prev</c>, <c>next</c>,
    /// <c>last</c>) given more than once in <c>Bundle.link</c>: each names one page, and a client cannot tell which to follow.
    /// </summary>
    public const string LinkRelationRepeated = "STM-BDL-003";

    /// <summary>
    /// Error: two entries with the same <c>fullUrl</c> and the same (or no) <c>meta.versionId</c>, outside a history
    /// Bundle. What core invariant bdl-7 means; it replaces bdl-7, whose expression also fails distinct entries whose full
    /// URL and version happen to concatenate alike (see <c>FirelySettings</c>), and names the repeated entry.
    /// </summary>
    public const string FullUrlRepeated = "STM-BDL-004";

    /// <summary>
    /// Error: a reference the specification requires to resolve inside the Bundle does not: in a transaction, a
    /// <c>urn:uuid:</c> or <c>urn:oid:</c> reference that names no entry; in a document, a reference from the Composition
    /// (subject, encounter, author, attester, custodian, event detail, section author, focus and entries) to a resource the
    /// Bundle does not hold, resolved as Bundle's "Resolving references in Bundles" says (relative ones against a RESTful
    /// fullUrl's base, versioned ones against <c>meta.versionId</c>).
    /// </summary>
    public const string ReferenceNotInBundle = "STM-BDL-005";

    /// <summary>
    /// Error: two entries of a transaction that update, patch or delete the same resource (<c>request.url</c>
    /// <c>Type/id</c>): "If any resource identities ... overlap in steps 1-3, then the transaction SHALL fail".
    /// </summary>
    public const string TransactionIdentityRepeated = "STM-BDL-006";

    /// <summary>Error: the clinical rules could not read the resource (it is malformed in a way structure validation also reports).</summary>
    public const string ClinicalRulesFailed = "STM-CLIN-000";

    /// <summary>Error: a Procedure was performed (completed or stopped) although its screening said contraindicated.</summary>
    public const string PerformedDespiteContraindication = "STM-CLIN-001";

    /// <summary>Error: a Procedure was performed (completed or stopped) with no screening RiskAssessment for it.</summary>
    public const string NoScreening = "STM-CLIN-002";

    /// <summary>Warning: the screening is dated after the session started.</summary>
    public const string ScreeningAfterStart = "STM-CLIN-003";

    /// <summary>Error: range of motion beyond what the joint can do at all (an entry or unit error).</summary>
    public const string RomImplausible = "STM-CLIN-004";

    /// <summary>Warning: range of motion outside the normal range of that joint and movement, beyond the tolerance.</summary>
    public const string RomOutsideNormal = "STM-CLIN-005";

    /// <summary>Warning: a range-of-motion movement that joint does not have a reference range for (e.g. knee abduction).</summary>
    public const string RomNoReference = "STM-CLIN-006";

    /// <summary>Warning: pain after the session is 3 or more points above pain before it (treatment should not hurt).</summary>
    public const string PainIncrease = "STM-CLIN-007";

    /// <summary>Warning: petechiae reported as a complication (may mean excessive pressure).</summary>
    public const string Petechiae = "STM-CLIN-008";

    /// <summary>
    /// Error: the screening's result contradicts its findings: cleared although a finding is a contraindication, or
    /// contraindicated although none is.
    /// </summary>
    public const string ScreeningResultContradictsFindings = "STM-CLIN-009";

    /// <summary>
    /// Error: a pain or range-of-motion measurement whose timing is post or follow-up was taken before its session
    /// started, or a follow-up was taken during the session.
    /// </summary>
    public const string MeasurementTimingContradictsSession = "STM-CLIN-010";

    /// <summary>Warning: deep pressure or an instrument (IASTM) although the screening found a bleeding risk (anticoagulant therapy).</summary>
    public const string BleedingRiskTechnique = "STM-CLIN-011";

    /// <summary>Warning: pain or range of motion measured at a body region the session did not treat and its indications do not concern.</summary>
    public const string MeasuredSiteNotTreated = "STM-CLIN-012";
}
