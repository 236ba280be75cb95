using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>The kind of a search parameter, which decides how its values are indexed and matched.</summary>
public enum SearchParamKind
{
    /// <summary><c>system|code</c> (identifier, code).</summary>
    Token,

    /// <summary><c>Type/id</c> (subject, patient, part-of).</summary>
    Reference,

    /// <summary>A date or dateTime range, with the prefixes eq, ne, gt, lt, ge, le, sa, eb, ap.</summary>
    Date,
}

/// <summary>One search parameter the store indexes.</summary>
/// <param name="Name">The parameter's code, e.g. <c>part-of</c>.</param>
/// <param name="Kind">How it is matched.</param>
/// <param name="Description">What it searches, for the CapabilityStatement.</param>
public sealed record SearchParameterDefinition(string Name, SearchParamKind Kind, string Description)
{
    internal Func<Resource, IEnumerable<IndexValue>> Extract { get; init; } = _ => [];

    /// <summary>The canonical URL of the matching R4 core SearchParameter; empty for the few this server adds.</summary>
    public string Definition { get; init; } = "";

    /// <summary>The stored types a reference parameter points to (for chaining without a type); empty for other kinds.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
}

/// <summary>
/// The resource types the store keeps and the search parameters it indexes for each, all R4 core parameters with their
/// core meaning. Indexing is plain code per parameter (no FHIRPath evaluation), so writing stays cheap.
/// </summary>
public static class SearchParameterCatalog
{
    /// <summary>Parameters every type has: <c>_id</c> and <c>_lastUpdated</c>.</summary>
    public static IReadOnlyList<SearchParameterDefinition> Common { get; } =
    [
        new("_id", SearchParamKind.Token, "The logical id of the resource") { Definition = Core("Resource-id") },
        new("_lastUpdated", SearchParamKind.Date, "When the resource version last changed") { Definition = Core("Resource-lastUpdated") },
    ];

    /// <summary>
    /// Control parameters accepted on every search beside <c>_sort</c> and the includes: page size and offset, and those
    /// the gateway applies to the answer (<c>_format</c>, <c>_pretty</c>, <c>_summary</c>, <c>_elements</c>).
    /// </summary>
    public static IReadOnlySet<string> Control { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "_count", "_offset", "_format", "_pretty", "_summary", "_elements",
    };

    private static readonly Dictionary<string, IReadOnlyList<SearchParameterDefinition>> s_byType = new(StringComparer.Ordinal)
    {
        ["Patient"] = [Identifier<Patient>(p => p.Identifier, "Patient")],
        ["Practitioner"] = [Identifier<Practitioner>(p => p.Identifier, "Practitioner")],
        ["Procedure"] =
        [
            Identifier<Procedure>(p => p.Identifier, "clinical"),
            Code<Procedure>(p => [p.Code], "clinical"),
            .. SubjectAndPatient<Procedure>(p => p.Subject, "clinical"),
            Date<Procedure>("date", p => p.Performed, "When the procedure was performed", "clinical-date"),
            PartOf<Procedure>(p => p.PartOf, "Procedure-part-of"),
            Status<Procedure>(p => p.StatusElement, "Procedure-status"),
            References<Procedure>("performer", p => p.Performer.Select(f => f.Actor), "Who performed the procedure", "Procedure-performer", "Practitioner"),
        ],
        ["Observation"] =
        [
            Identifier<Observation>(o => o.Identifier, "clinical"),
            Code<Observation>(o => [o.Code], "clinical"),
            .. SubjectAndPatient<Observation>(o => o.Subject, "clinical"),
            Date<Observation>("date", o => o.Effective, "When the observation was made", "clinical-date"),
            PartOf<Observation>(o => o.PartOf, "Observation-part-of"),
            Status<Observation>(o => o.StatusElement, "Observation-status"),
        ],
        ["RiskAssessment"] =
        [
            Identifier<RiskAssessment>(r => r.Identifier, "clinical"),
            .. SubjectAndPatient<RiskAssessment>(r => r.Subject, "RiskAssessment"),
            Date<RiskAssessment>("date", r => r.Occurrence, "When the assessment was made", "clinical-date"),
            // Not R4 core parameters (core has none for these elements): added so the screening's session and findings
            // can be included with it.
            References<RiskAssessment>("parent", r => [r.Parent], "The session (Procedure) the assessment was made for", null, "Procedure"),
            References<RiskAssessment>("basis", r => r.Basis, "The findings (Conditions, Observations) the assessment is based on", null),
        ],
        ["Condition"] =
        [
            Identifier<Condition>(c => c.Identifier, "clinical"),
            Code<Condition>(c => [c.Code], "clinical"),
            .. SubjectAndPatient<Condition>(c => c.Subject, "Condition"),
            Date<Condition>("recorded-date", c => c.RecordedDateElement, "When the condition was first recorded", "Condition-recorded-date"),
        ],
        ["DetectedIssue"] =
        [
            Identifier<DetectedIssue>(d => d.Identifier, "clinical"),
            Code<DetectedIssue>(d => [d.Code], "clinical"),
            new("patient", SearchParamKind.Reference, "The patient the finding is about")
            {
                Definition = Core("clinical-patient"),
                Extract = r => IndexValue.Reference(((DetectedIssue)r).Patient) is { System: "Patient" } v ? [v] : [],
                Targets = ["Patient"],
            },
            new("implicated", SearchParamKind.Reference, "A resource the finding is about (the session's Procedure, an Observation)")
            {
                Definition = Core("DetectedIssue-implicated"),
                Extract = r => ((DetectedIssue)r).Implicated.Select(IndexValue.Reference).OfType<IndexValue>(),
            },
            Date<DetectedIssue>("identified", d => d.Identified, "When the finding was identified", "clinical-identified"),
        ],
        ["MedicationStatement"] =
        [
            Identifier<MedicationStatement>(m => m.Identifier, "clinical"),
            Code<MedicationStatement>(m => [m.Medication as CodeableConcept], "clinical"),
            .. SubjectAndPatient<MedicationStatement>(m => m.Subject, "clinical"),
            Date<MedicationStatement>("effective", m => m.Effective, "When the medication was taken", "MedicationStatement-effective"),
            Status<MedicationStatement>(m => m.StatusElement, "medications-status"),
        ],
    };

    /// <summary>The resource types the store keeps, in a stable order.</summary>
    public static IReadOnlyList<string> ResourceTypes { get; } = [.. s_byType.Keys.Order(StringComparer.Ordinal)];

    /// <summary>True when the store keeps resources of <paramref name="type"/>.</summary>
    public static bool IsSupported(string type) => s_byType.ContainsKey(type);

    /// <summary>The type-specific parameters of <paramref name="type"/> (without <see cref="Common"/>); empty for an unknown type.</summary>
    public static IReadOnlyList<SearchParameterDefinition> For(string type) =>
        s_byType.TryGetValue(type, out var list) ? list : [];

    /// <summary>A parameter of <paramref name="type"/> (common or specific) by name, or null.</summary>
    public static SearchParameterDefinition? Find(string type, string name) =>
        Common.FirstOrDefault(p => p.Name == name) ?? For(type).FirstOrDefault(p => p.Name == name);

    /// <summary>Every index value of a resource, over all its type's parameters.</summary>
    internal static IEnumerable<(string Param, IndexValue Value)> IndexValues(Resource resource) =>
        For(resource.TypeName).SelectMany(p => p.Extract(resource).Select(v => (p.Name, v)));

    private static string Core(string id) => $"http://hl7.org/fhir/SearchParameter/{id}";

    private static SearchParameterDefinition Identifier<T>(Func<T, IEnumerable<Identifier>> get, string core) where T : Resource =>
        new("identifier", SearchParamKind.Token, "A business identifier (system|value)")
        {
            Definition = Core($"{core}-identifier"),
            Extract = r => get((T)r).Where(i => i.Value is not null).Select(i => IndexValue.Token(i.System, i.Value!)),
        };

    private static SearchParameterDefinition Code<T>(Func<T, IEnumerable<CodeableConcept?>> get, string core) where T : Resource =>
        new("code", SearchParamKind.Token, "A code of the resource (system|code)")
        {
            Definition = Core($"{core}-code"),
            Extract = r => get((T)r).OfType<CodeableConcept>().SelectMany(c => c.Coding)
                .Where(c => c.Code is not null).Select(c => IndexValue.Token(c.System, c.Code!)),
        };

    private static SearchParameterDefinition[] SubjectAndPatient<T>(Func<T, ResourceReference?> get, string core) where T : Resource =>
    [
        new("subject", SearchParamKind.Reference, "Who the resource is about")
        {
            Definition = Core($"{core}-subject"),
            Extract = r => IndexValue.Reference(get((T)r)) is { } v ? [v] : [],
            Targets = ["Patient"],
        },
        new("patient", SearchParamKind.Reference, "The patient the resource is about")
        {
            Definition = Core($"{core}-patient"),
            Extract = r => IndexValue.Reference(get((T)r)) is { System: "Patient" } v ? [v] : [],
            Targets = ["Patient"],
        },
    ];

    private static SearchParameterDefinition PartOf<T>(Func<T, IEnumerable<ResourceReference>> get, string definition) where T : Resource =>
        new("part-of", SearchParamKind.Reference, "The event this one is part of")
        {
            Definition = Core(definition),
            Extract = r => get((T)r).Select(IndexValue.Reference).OfType<IndexValue>(),
        };

    private static SearchParameterDefinition Status<T>(Func<T, PrimitiveType?> get, string definition) where T : Resource =>
        new("status", SearchParamKind.Token, "The resource's status code")
        {
            Definition = Core(definition),
            Extract = r => get((T)r)?.JsonValue is string code ? [IndexValue.Token(null, code)] : [],
        };

    private static SearchParameterDefinition References<T>(string name, Func<T, IEnumerable<ResourceReference?>> get, string description,
        string? definition, params string[] targets) where T : Resource =>
        new(name, SearchParamKind.Reference, description)
        {
            Definition = definition is null ? "" : Core(definition),
            Extract = r => get((T)r).Select(IndexValue.Reference).OfType<IndexValue>(),
            Targets = targets,
        };

    private static SearchParameterDefinition Date<T>(string name, Func<T, DataType?> get, string description, string definition) where T : Resource =>
        new(name, SearchParamKind.Date, description)
        {
            Definition = Core(definition),
            Extract = r => IndexValue.Date(get((T)r)) is { } v ? [v] : [],
        };
}
