using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Writes an AuditEvent's FHIR JSON straight from an <see cref="AuditEntry"/> with a <see cref="Utf8JsonWriter"/>: a
/// record is written for every access, and building the Firely model and serializing it cost several times more than
/// the read it records. Tests read the output back with Firely's parser.
/// </summary>
internal static class AuditEventJson
{
    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    private const string EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string ObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string Uri = "urn:ietf:rfc:3986";

    public static string Write(AuditEntry entry, string id, string action, int outcome)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "AuditEvent");
            w.WriteString("id", id);
            Coding(w, "type", AuditEventBuilder.TypeSystem, "rest", "Restful Operation");
            if (entry.Interaction.Subtype.Length > 0)
            {
                w.WriteStartArray("subtype");
                Coding(w, null, AuditEventBuilder.InteractionSystem, entry.Interaction.Subtype, null);
                w.WriteEndArray();
            }
            w.WriteString("action", action);
            w.WriteString("recorded", entry.Recorded.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("outcome", outcome.ToString(CultureInfo.InvariantCulture));
            w.WriteString("outcomeDesc", "HTTP " + entry.Status.ToString(CultureInfo.InvariantCulture)
                + (entry.PatientsCut ? "; more patients than one record keeps" : ""));
            w.WriteStartArray("agent");
            ClientAgent(w, entry.Agent);
            ServerAgent(w, entry.Server);
            w.WriteEndArray();
            w.WriteStartObject("source");
            Who(w, "observer", Uri, entry.Server, "StmFhir gateway");
            w.WriteStartArray("type");
            Coding(w, null, "http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server");
            w.WriteEndArray();
            w.WriteEndObject();
            Entities(w, entry);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void ClientAgent(Utf8JsonWriter w, AuditAgent agent)
    {
        w.WriteStartObject();
        if (!agent.Authenticated)
        {
            w.WriteStartArray("extension");
            w.WriteStartObject();
            w.WriteString("url", "http://stmfhir.org/fhir/StructureDefinition/audit-agent-unverified");
            w.WriteBoolean("valueBoolean", true);
            w.WriteEndObject();
            w.WriteEndArray();
        }
        Concept(w, "type", Dicom, "110153", "Source Role ID");
        var system = agent.System is AuditAgents.ApiKeySystem or AuditAgents.Unverified or AuditAgents.None
            ? "http://stmfhir.org/fhir/sid/" + agent.System
            : agent.System;
        Who(w, "who", system, agent.Name, agent.Name);
        w.WriteBoolean("requestor", true);
        if (agent.Address is { } address)
        {
            Network(w, address, "2");
        }
        w.WriteEndObject();
    }

    private static void ServerAgent(Utf8JsonWriter w, string server)
    {
        w.WriteStartObject();
        Concept(w, "type", Dicom, "110152", "Destination Role ID");
        Who(w, "who", Uri, server, "StmFhir gateway");
        w.WriteBoolean("requestor", false);
        Network(w, server, "5");
        w.WriteEndObject();
    }

    private static void Entities(Utf8JsonWriter w, AuditEntry entry)
    {
        if (entry.Query is not { Length: > 0 } && entry.Target is null && entry.Patients.Count == 0)
        {
            return;
        }
        w.WriteStartArray("entity");
        if (entry.Query is { Length: > 0 } query)
        {
            w.WriteStartObject();
            Coding(w, "type", EntityType, "2", "System Object");
            Coding(w, "role", ObjectRole, "24", "Query");
            w.WriteBase64String("query", Encoding.UTF8.GetBytes(query));
            w.WriteEndObject();
        }
        if (entry.Target is { } target)
        {
            Entity(w, target, "2", "System Object", "4", "Domain Resource");
        }
        foreach (var patient in entry.Patients)
        {
            Entity(w, patient, "1", "Person", "1", "Patient");
        }
        w.WriteEndArray();
    }

    private static void Entity(Utf8JsonWriter w, string reference, string type, string typeDisplay, string role, string roleDisplay)
    {
        w.WriteStartObject();
        w.WriteStartObject("what");
        w.WriteString("reference", reference);
        w.WriteEndObject();
        Coding(w, "type", EntityType, type, typeDisplay);
        Coding(w, "role", ObjectRole, role, roleDisplay);
        w.WriteEndObject();
    }

    private static void Who(Utf8JsonWriter w, string name, string system, string value, string display)
    {
        w.WriteStartObject(name);
        w.WriteStartObject("identifier");
        w.WriteString("system", system);
        w.WriteString("value", value);
        w.WriteEndObject();
        w.WriteString("display", display);
        w.WriteEndObject();
    }

    private static void Network(Utf8JsonWriter w, string address, string type)
    {
        w.WriteStartObject("network");
        w.WriteString("address", address);
        w.WriteString("type", type);
        w.WriteEndObject();
    }

    private static void Concept(Utf8JsonWriter w, string name, string system, string code, string display)
    {
        w.WriteStartObject(name);
        w.WriteStartArray("coding");
        Coding(w, null, system, code, display);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Coding(Utf8JsonWriter w, string? name, string system, string code, string? display)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }
        w.WriteString("system", system);
        w.WriteString("code", code);
        if (display is not null)
        {
            w.WriteString("display", display);
        }
        w.WriteEndObject();
    }
}
