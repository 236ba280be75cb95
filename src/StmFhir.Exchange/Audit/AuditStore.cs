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

    /// <summary>Records per <c>audit_event</c> INSERT (7 values each), patient rows per <c>audit_patient</c> INSERT (3 each).</summary>
    private const int EventsPerStatement = 50;
    private const int PatientsPerStatement = 100;

    public Task WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        return dialect.WriteAsync(async (connection, transaction) =>
        {
            // Many rows per statement: every access writes a record, and a statement per row cost more in binding and
            // stepping than the rows themselves. An id written twice (a batch retried after a commit whose answer was
            // lost) is kept once.
            foreach (var chunk in records.Chunk(EventsPerStatement))
            {
                await using var events = Rows(connection, transaction, "audit_event (id, recorded, action, subtype, outcome, agent, json)", "(id)",
                    chunk.Select(r => new object[] { r.Id, r.Recorded.ToUnixTimeMilliseconds(), r.Action, r.Subtype, r.Outcome, r.Agent, r.Json }));
                await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var patientRows = records.SelectMany(r => r.Patients.Distinct(StringComparer.Ordinal)
                .Select(patient => new object[] { r.Id, patient, r.Recorded.ToUnixTimeMilliseconds() }));
            foreach (var chunk in patientRows.Chunk(PatientsPerStatement))
            {
                await using var patients = Rows(connection, transaction, "audit_patient (event_id, patient, recorded)", "(event_id, patient)", chunk);
                await patients.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken);
    }

    /// <summary><c>INSERT INTO {table} VALUES (...), (...) ON CONFLICT {key} DO NOTHING</c>, one parameter per value.</summary>
    private static DbCommand Rows(DbConnection connection, DbTransaction transaction, string table, string key, IEnumerable<object[]> rows)
    {
        var command = connection.Command("", transaction);
        var sql = new System.Text.StringBuilder("INSERT INTO ").Append(table).Append(" VALUES ");
        var n = 0;
        foreach (var row in rows)
        {
            sql.Append(n == 0 ? "(" : ", (");
            for (var i = 0; i < row.Length; i++)
            {
                var name = "v" + n.ToString(CultureInfo.InvariantCulture) + "_" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "@" : ", @").Append(name);
                command.With(name, row[i]);
            }
            sql.Append(')');
            n++;
        }
        command.CommandText = sql.Append(" ON CONFLICT ").Append(key).Append(" DO NOTHING").ToString();
        return command;
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
