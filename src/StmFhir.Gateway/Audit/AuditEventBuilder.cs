using StmFhir.Exchange.Audit;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Builds the BALP-style AuditEvent of an access (IHE Basic Audit Log Patterns, RESTful activity): type <c>rest</c>,
/// subtype the interaction, action, recorded, outcome, the client agent (requestor) and the gateway agent, the gateway as
/// source, the query of a search (base64), the resource addressed, and one entity per patient (role Patient). It sees
/// ids only, never a resource body. Runs on the writer's thread, off the request path; the JSON is written by <see cref="AuditEventJson"/>.
/// </summary>
internal static class AuditEventBuilder
{
    public const string TypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    public const string InteractionSystem = "http://hl7.org/fhir/restful-interaction";

    public static AuditRecord Build(AuditEntry entry, string id)
    {
        var outcome = Outcome(entry.Status);
        var action = Action(entry);
        return new AuditRecord(id, entry.Recorded, action, entry.Interaction.Subtype, outcome, entry.Agent.Name, entry.Patients,
            AuditEventJson.Write(entry, id, action, outcome));
    }

    /// <summary>0 for a success, 4 for a refusal or bad request (4xx, including 401 and 403), 8 for a server failure (5xx).</summary>
    public static int Outcome(int status) => status switch { < 400 => 0, < 500 => 4, _ => 8 };

    // A session's answer says whether it was new (201) or not; the other interactions have a fixed action.
    private static string Action(AuditEntry entry) =>
        entry.Interaction is { Subtype: "transaction", Action: "C" } && entry.Status == 200 ? "U" : entry.Interaction.Action;
}
