namespace StmFhir.Exchange.Audit;

/// <summary>
/// One audit record as kept: the AuditEvent's JSON and the columns it is searched by. It holds no resource body: the
/// gateway builds <see cref="Json"/> from who did what to which resource ids, never from the resources themselves.
/// </summary>
/// <param name="Id">The AuditEvent's id.</param>
/// <param name="Recorded">When the access happened (<c>AuditEvent.recorded</c>).</param>
/// <param name="Action">C, R, U, D or E (<c>AuditEvent.action</c>).</param>
/// <param name="Subtype">The RESTful interaction code, e.g. <c>read</c> or <c>search-type</c>; empty when none applies.</param>
/// <param name="Outcome">0, 4, 8 or 12 (<c>AuditEvent.outcome</c>).</param>
/// <param name="Agent">The client's name: an API key's name, a JWT's <c>client_id</c> or <c>sub</c>, or what a refused credential claimed.</param>
/// <param name="Patients">The patients touched, as <c>Patient/{id}</c>, each once.</param>
/// <param name="Json">The AuditEvent as FHIR JSON.</param>
public sealed record AuditRecord(string Id, DateTimeOffset Recorded, string Action, string Subtype, int Outcome, string Agent,
    IReadOnlyList<string> Patients, string Json);

/// <summary>A search of the audit trail; every criterion given must match (alternatives within one are ORed).</summary>
/// <param name="Count">Page size.</param>
/// <param name="Offset">Records skipped (paging).</param>
public sealed record AuditQuery(int Count, int Offset)
{
    /// <summary>Only records at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only records before this instant.</summary>
    public DateTimeOffset? Before { get; init; }

    /// <summary>Only records touching one of these patients (<c>Patient/{id}</c>).</summary>
    public IReadOnlyList<string> Patients { get; init; } = [];

    /// <summary>Only records of one of these agents (client names).</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>Only records of one of these interaction codes.</summary>
    public IReadOnlyList<string> Subtypes { get; init; } = [];

    /// <summary>Only records of one of these actions.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Only records of one of these outcomes.</summary>
    public IReadOnlyList<int> Outcomes { get; init; } = [];
}

/// <summary>One page of an audit search, newest first.</summary>
/// <param name="Total">How many records match in all.</param>
/// <param name="Records">The page: each record's id and AuditEvent JSON.</param>
public sealed record AuditPage(int Total, IReadOnlyList<(string Id, string Json)> Records);

/// <summary>The audit trail, kept in the resource store's database in tables of its own (never in the outbox).</summary>
public interface IAuditStore
{
    /// <summary>Writes the records in one transaction.</summary>
    Task WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default);

    /// <summary>One AuditEvent's JSON, or null when there is none with that id.</summary>
    Task<string?> ReadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>One page of the records matching <paramref name="query"/>, newest first.</summary>
    Task<AuditPage> SearchAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes every record recorded before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
