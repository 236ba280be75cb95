namespace StmFhir.Gateway.Audit;

/// <summary>
/// What the request path hands the audit writer: small facts about one access, taken from the request, the answer's status
/// and the credential. The AuditEvent itself is built off the request path (<see cref="AuditEventBuilder"/>).
/// </summary>
/// <param name="Recorded">When the answer was complete.</param>
/// <param name="Interaction">The interaction (subtype and action).</param>
/// <param name="Status">The HTTP status answered (500 for an exception).</param>
/// <param name="Agent">The client as authenticated, or as claimed by a refused credential.</param>
/// <param name="Server">The gateway's FHIR base URL as the client addressed it.</param>
/// <param name="Target">The resource addressed (<c>Procedure/1</c>, <c>Procedure/1/_history/2</c>) or created (from <c>Location</c>); null when none.</param>
/// <param name="Query">The query string of a search or history (without <c>?</c>); null otherwise.</param>
/// <param name="Patients">The patients named in the request's path, query and body and in the answer, as <c>Patient/{id}</c>.</param>
/// <param name="PatientsCut">True when the exchange named more patients than one record keeps.</param>
internal sealed record AuditEntry(DateTimeOffset Recorded, AuditInteraction Interaction, int Status, AuditAgent Agent, string Server,
    string? Target, string? Query, IReadOnlyList<string> Patients, bool PatientsCut);

/// <summary>A RESTful interaction as BALP records it.</summary>
/// <param name="Subtype">The code in <c>http://hl7.org/fhir/restful-interaction</c>, e.g. <c>read</c>.</param>
/// <param name="Action">C, R, U, D or E.</param>
/// <param name="PatientData">True when it reads or writes patient data (always audited); false for others, audited only when refused.</param>
internal sealed record AuditInteraction(string Subtype, string Action, bool PatientData);

/// <summary>The client of a request.</summary>
/// <param name="Name">The API key's name, the JWT's <c>client_id</c> or <c>sub</c>, or what a refused credential claimed.</param>
/// <param name="System">Where the name comes from: <c>api-key</c>, the JWT issuer, or <c>unverified</c>/<c>none</c> for a refused credential.</param>
/// <param name="Authenticated">True when the credential was accepted.</param>
/// <param name="Address">The client's IP address, if any.</param>
internal sealed record AuditAgent(string Name, string System, bool Authenticated, string? Address);
