using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Exchange.Audit;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Builds the BALP-style AuditEvent of an access (IHE Basic Audit Log Patterns, RESTful activity): type <c>rest</c>,
/// subtype the interaction, action, recorded, outcome, the client agent (requestor) and the gateway agent, the gateway as
/// source, the query of a search (base64), the resource addressed, and one entity per patient (role Patient). It sees
/// ids only, never a resource body. Runs on the writer's thread, off the request path.
/// </summary>
internal static class AuditEventBuilder
{
    public const string TypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    public const string InteractionSystem = "http://hl7.org/fhir/restful-interaction";
    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    private const string EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string ObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string ClientSystemPrefix = "http://stmfhir.org/fhir/sid/";

    public static AuditRecord Build(AuditEntry entry, string id)
    {
        var outcome = Outcome(entry.Status);
        var action = Action(entry);
        var audit = new AuditEvent
        {
            Id = id,
            Type = new Coding(TypeSystem, "rest", "Restful Operation"),
            Subtype = entry.Interaction.Subtype.Length == 0 ? [] : [new Coding(InteractionSystem, entry.Interaction.Subtype)],
            Action = Enum.Parse<AuditEvent.AuditEventAction>(action),
            Recorded = entry.Recorded,
            Outcome = outcome switch { 0 => AuditEvent.AuditEventOutcome.N0, 4 => AuditEvent.AuditEventOutcome.N4, _ => AuditEvent.AuditEventOutcome.N8 },
            OutcomeDesc = "HTTP " + entry.Status.ToString(CultureInfo.InvariantCulture) + (entry.PatientsCut ? "; more patients than one record keeps" : ""),
            Agent = [ClientAgent(entry.Agent), ServerAgent(entry.Server)],
            Source = new AuditEvent.SourceComponent
            {
                Observer = new ResourceReference { Display = "StmFhir gateway", Identifier = new Identifier("urn:ietf:rfc:3986", entry.Server) },
                Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            },
            Entity = [.. Entities(entry)],
        };
        return new AuditRecord(id, entry.Recorded, action, entry.Interaction.Subtype, outcome, entry.Agent.Name, entry.Patients, FhirJsonResult.Serialize(audit));
    }

    /// <summary>0 for a success, 4 for a refusal or bad request (4xx, including 401 and 403), 8 for a server failure (5xx).</summary>
    public static int Outcome(int status) => status switch { < 400 => 0, < 500 => 4, _ => 8 };

    // A session's answer says whether it was new (201) or not; the other interactions have a fixed action.
    private static string Action(AuditEntry entry) =>
        entry.Interaction is { Subtype: "transaction", Action: "C" } && entry.Status == 200 ? "U" : entry.Interaction.Action;

    private static AuditEvent.AgentComponent ClientAgent(AuditAgent agent) => new()
    {
        Type = new CodeableConcept(Dicom, "110153", "Source Role ID"),
        Who = new ResourceReference
        {
            Identifier = new Identifier(agent.System == AuditAgents.ApiKeySystem || agent.System == AuditAgents.Unverified || agent.System == AuditAgents.None
                ? ClientSystemPrefix + agent.System
                : agent.System, agent.Name),
            Display = agent.Name,
        },
        Requestor = true,
        Network = agent.Address is null ? null : new AuditEvent.NetworkComponent { Address = agent.Address, Type = AuditEvent.AuditEventAgentNetworkType.N2 },
        Extension = agent.Authenticated ? [] : [new Extension("http://stmfhir.org/fhir/StructureDefinition/audit-agent-unverified", new FhirBoolean(true))],
    };

    private static AuditEvent.AgentComponent ServerAgent(string server) => new()
    {
        Type = new CodeableConcept(Dicom, "110152", "Destination Role ID"),
        Who = new ResourceReference { Display = "StmFhir gateway", Identifier = new Identifier("urn:ietf:rfc:3986", server) },
        Requestor = false,
        Network = new AuditEvent.NetworkComponent { Address = server, Type = AuditEvent.AuditEventAgentNetworkType.N5 },
    };

    private static IEnumerable<AuditEvent.EntityComponent> Entities(AuditEntry entry)
    {
        if (entry.Query is { Length: > 0 } query)
        {
            yield return new AuditEvent.EntityComponent
            {
                Type = new Coding(EntityType, "2", "System Object"),
                Role = new Coding(ObjectRole, "24", "Query"),
                Query = Encoding.UTF8.GetBytes(query),
            };
        }
        if (entry.Target is { } target)
        {
            yield return new AuditEvent.EntityComponent
            {
                What = new ResourceReference(target),
                Type = new Coding(EntityType, "2", "System Object"),
                Role = new Coding(ObjectRole, "4", "Domain Resource"),
            };
        }
        foreach (var patient in entry.Patients)
        {
            yield return new AuditEvent.EntityComponent
            {
                What = new ResourceReference(patient),
                Type = new Coding(EntityType, "1", "Person"),
                Role = new Coding(ObjectRole, "1", "Patient"),
            };
        }
    }
}
