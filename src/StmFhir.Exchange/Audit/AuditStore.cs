using System.Data.Common;
using System.Globalization;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Audit;

/// <summary>
/// The audit trail (<see cref="IAuditStore"/>) in the resource store's database, the same SQL for SQLite and PostgreSQL;
/// its tables are created with the store's (<see cref="IStoreExtension"/>) but written only by its own transactions, so
/// an audit record never joins a data commit or its outbox row.
/// </summary>
/// <param name="dialect">The resource store's database (shared: same connections and, in SQLite, the same writer).</param>
internal sealed class AuditStore(StoreDialect dialect) : IAuditStore, IStoreExtension
{
    /// <summary>
    /// <c>audit_event</c>: one row per AuditEvent, its JSON and the columns searched; <c>audit_patient</c>: one row per
    /// patient an event touched (with the event's time, so a patient's trail in a period reads one index). Few indexes:
    /// every access writes these rows.
    /// </summary>
    public IEnumerable<string> Schema(StoreDialect database) =>
    [
        """
        CREATE TABLE IF NOT EXISTS audit_event (
            id TEXT NOT NULL PRIMARY KEY, recorded BIGINT NOT NULL, action TEXT NOT NULL, subtype TEXT NOT NULL,
            outcome INTEGER NOT NULL, agent TEXT NOT NULL, json TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_audit_event_recorded ON audit_event (recorded, id)",
        "CREATE TABLE IF NOT EXISTS audit_patient (event_id TEXT NOT NULL, patient TEXT NOT NULL, recorded BIGINT NOT NULL, PRIMARY KEY (event_id, patient))",
        "CREATE INDEX IF NOT EXISTS ix_audit_patient ON audit_patient (patient, recorded)",
    ];

    public Task WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        return dialect.WriteAsync(async (connection, transaction) =>
        {
            // One command per table, prepared once and run per row with new values: a batch holds hundreds of records.
            await using var events = connection.Command("""
                INSERT INTO audit_event (id, recorded, action, subtype, outcome, agent, json)
                VALUES (@id, @at, @action, @subtype, @outcome, @agent, @json) ON CONFLICT (id) DO NOTHING
                """, transaction)
                .With("id", "").With("at", 0L).With("action", "").With("subtype", "").With("outcome", 0).With("agent", "").With("json", "");
            await using var patients = connection.Command(
                "INSERT INTO audit_patient (event_id, patient, recorded) VALUES (@id, @patient, @at) ON CONFLICT (event_id, patient) DO NOTHING", transaction)
                .With("id", "").With("patient", "").With("at", 0L);
            await events.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await patients.PrepareAsync(cancellationToken).ConfigureAwait(false);
            foreach (var record in records)
            {
                // An id written twice (a batch retried after a commit whose answer was lost) is kept once.
                var at = record.Recorded.ToUnixTimeMilliseconds();
                Set(events, record.Id, at, record.Action, record.Subtype, record.Outcome, record.Agent, record.Json);
                await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                foreach (var patient in record.Patients.Distinct(StringComparer.Ordinal))
                {
                    Set(patients, record.Id, patient, at);
                    await patients.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            return 0;
        }, cancellationToken);
    }

    private static void Set(DbCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }

    public async Task<string?> ReadAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command("SELECT json FROM audit_event WHERE id = @id").With("id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    public async Task<AuditPage> SearchAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        int total;
        await using (var count = connection.Command(""))
        {
            count.CommandText = "SELECT COUNT(*) FROM audit_event e" + Where(count, query);
            total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        var records = new List<(string, string)>();
        await using var select = connection.Command("");
        select.CommandText = "SELECT e.id, e.json FROM audit_event e" + Where(select, query)
            + " ORDER BY e.recorded DESC, e.id DESC LIMIT @limit OFFSET @offset";
        select.With("limit", query.Count).With("offset", query.Offset);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add((reader.GetString(0), reader.GetString(1)));
        }
        return new AuditPage(total, records);
    }

    public Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        dialect.WriteAsync(async (connection, transaction) =>
        {
            var before = cutoff.ToUnixTimeMilliseconds();
            await using (var patients = connection.Command(
                "DELETE FROM audit_patient WHERE event_id IN (SELECT id FROM audit_event WHERE recorded < @before)", transaction).With("before", before))
            {
                await patients.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var events = connection.Command("DELETE FROM audit_event WHERE recorded < @before", transaction).With("before", before);
            return await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>The WHERE clause of <paramref name="query"/>, its values added to <paramref name="command"/> as parameters.</summary>
    private static string Where(DbCommand command, AuditQuery query)
    {
        var clauses = new List<string>();
        if (query.From is { } from)
        {
            command.With("from", from.ToUnixTimeMilliseconds());
            clauses.Add("e.recorded >= @from");
        }
        if (query.Before is { } before)
        {
            command.With("before", before.ToUnixTimeMilliseconds());
            clauses.Add("e.recorded < @before");
        }
        AddIn(command, clauses, "e.action", "a", query.Actions);
        AddIn(command, clauses, "e.subtype", "s", query.Subtypes);
        AddIn(command, clauses, "e.agent", "g", query.Agents);
        AddIn(command, clauses, "e.outcome", "o", query.Outcomes.Cast<object>().ToList());
        if (query.Patients.Count > 0)
        {
            var names = Names(command, "p", [.. query.Patients]);
            clauses.Add($"EXISTS (SELECT 1 FROM audit_patient ap WHERE ap.event_id = e.id AND ap.patient IN ({names}))");
        }
        return clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
    }

    private static void AddIn<T>(DbCommand command, List<string> clauses, string column, string prefix, IReadOnlyList<T> values)
    {
        if (values.Count > 0)
        {
            clauses.Add($"{column} IN ({Names(command, prefix, [.. values.Cast<object>()])})");
        }
    }

    private static string Names(DbCommand command, string prefix, List<object> values) => string.Join(", ", values.Select((v, i) =>
    {
        command.With($"{prefix}{i}", v);
        return $"@{prefix}{i}";
    }));
}
