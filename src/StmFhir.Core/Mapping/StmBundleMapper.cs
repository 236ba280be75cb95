using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Mapping;

/// <summary>
/// Maps an STM session to one FHIR R4 transaction Bundle and back (MAPPING.md). The forward mapping is deterministic:
/// the same session always gives the same Bundle. The reverse mapping is lossless for every field the session holds.
/// </summary>
public static class StmBundleMapper
{
    /// <summary>The session as a transaction Bundle: Patient, Practitioner, Procedure, Observations, screening.</summary>
    public static Bundle ToBundle(StmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var keys = SessionKeys.Of(session);
        var patientId = PersonMapper.PatientId(session.Patient);
        var practitionerId = PersonMapper.PractitionerId(session.Clinician);

        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        AddConditional(bundle, patientId, PersonMapper.ToPatient(session.Patient), session.Patient.Identifier);
        AddConditional(bundle, practitionerId, PersonMapper.ToPractitioner(session.Clinician), session.Clinician.Identifier);
        AddPut(bundle, ProcedureMapper.ToProcedure(session, keys, patientId, practitionerId));
        for (var i = 0; i < session.PainScores.Count; i++)
        {
            AddPut(bundle, PainScoreMapper.ToObservation(session.PainScores[i], i, keys, patientId, practitionerId));
        }
        for (var i = 0; i < session.RomMeasurements.Count; i++)
        {
            AddPut(bundle, RangeOfMotionMapper.ToObservation(session.RomMeasurements[i], i, keys, patientId, practitionerId));
        }
        if (session.Screening is { } screening)
        {
            foreach (var resource in ScreeningMapper.ToResources(screening, keys, patientId, practitionerId))
            {
                AddPut(bundle, resource);
            }
        }
        return bundle;
    }

    /// <summary>Reads the one STM session in a Bundle (of any type) back into a session record.</summary>
    public static SessionReadResult ToSession(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var results = ToSessions(ResourceSet.Of(bundle));
        return results.Count switch
        {
            1 => results[0],
            0 => new SessionReadResult(null, [new SessionProblem("Bundle.entry", "holds no STM Procedure")]),
            _ => new SessionReadResult(null, [new SessionProblem("Bundle.entry", $"holds {results.Count} STM Procedures; expected one")]),
        };
    }

    /// <summary>
    /// Reads every STM session among <paramref name="resources"/> (e.g. pulled from a server, where references are
    /// <c>Type/id</c>): one result per STM Procedure.
    /// </summary>
    public static IReadOnlyList<SessionReadResult> ToSessions(IEnumerable<Resource> resources) =>
        ToSessions(new ResourceSet(resources.Select(r => ((string?)null, r))));

    private static List<SessionReadResult> ToSessions(ResourceSet resources) =>
        [.. resources.All.OfType<Procedure>().Where(IsStmProcedure).Select(p => ToSession(p, resources))];

    /// <summary>
    /// True when <paramref name="procedure"/> is an STM session (its code has the local STM procedure coding, as the
    /// forward mapping writes it); other Procedures, e.g. pulled from a server that holds more than STM, are not mapped.
    /// </summary>
    public static bool IsStmProcedure(Procedure procedure) =>
        procedure.Code?.Coding.Any(c => c.System == Terminology.StmCodes.StmProcedure.System && c.Code == Terminology.StmCodes.StmProcedure.Code) == true;

    private static SessionReadResult ToSession(Procedure procedure, ResourceSet resources)
    {
        var problems = new MappingProblems();
        var patient = PersonMapper.FromPatient(resources.Resolve<Patient>(procedure.Subject), problems);
        var clinician = PersonMapper.FromPractitioner(resources.Resolve<Practitioner>(procedure.Performer.FirstOrDefault()?.Actor), problems);
        var session = ProcedureMapper.ToSession(procedure, patient, clinician, problems);
        if (session is null)
        {
            return new SessionReadResult(null, problems.Items);
        }
        var keys = SessionKeys.Of(session);
        var observations = resources.All.OfType<Observation>().Where(o => o.PartOf.Any(r => resources.Refers(r, procedure))).ToList();
        var pain = Ordered(observations.Where(PainScoreMapper.IsPainScore), keys, SessionKeys.Pain,
            (o, at) => PainScoreMapper.FromObservation(o, at, problems));
        var rom = Ordered(observations.Where(RangeOfMotionMapper.IsRangeOfMotion), keys, SessionKeys.Rom,
            (o, at) => RangeOfMotionMapper.FromObservation(o, at, problems));
        var assessment = resources.All.OfType<RiskAssessment>().FirstOrDefault(r => resources.Refers(r.Parent, procedure));
        var screening = assessment is null ? null : ScreeningMapper.FromRiskAssessment(assessment, resources, keys, problems);

        return problems.Items.Count > 0
            ? new SessionReadResult(null, problems.Items)
            : new SessionReadResult(session with { PainScores = pain, RomMeasurements = rom, Screening = screening }, []);
    }

    /// <summary>Maps observations in the order of the index in their identifiers (<c>{sessionId}/{kind}/{i}</c>).</summary>
    private static List<T> Ordered<T>(IEnumerable<Observation> observations, SessionKeys keys, string kind, Func<Observation, string, T?> map)
        where T : class =>
        [.. observations
            .Select((o, position) => (Order: keys.IndexIn(o.Identifier, kind) ?? position, Observation: o))
            .OrderBy(x => x.Order)
            .Select(x => map(x.Observation, $"Observation('{x.Observation.Id}')"))
            .OfType<T>()];

    private static void AddPut(Bundle bundle, Resource resource) => bundle.Entry.Add(new Bundle.EntryComponent
    {
        FullUrl = FhirValues.UrnUuid(resource.Id!),
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
    });

    /// <summary>Patient and Practitioner are created only if no resource has their identifier yet (conditional create).</summary>
    private static void AddConditional(Bundle bundle, string id, Resource resource, IdentifierRecord identifier) =>
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = FhirValues.UrnUuid(id),
            Resource = resource,
            Request = new Bundle.RequestComponent
            {
                Method = Bundle.HTTPVerb.POST,
                Url = resource.TypeName,
                IfNoneExist = IdentifierSearch.Condition(identifier.System, identifier.Value),
            },
        });
}
