using System.Data.Common;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// The outcome trends' own index (<c>outcome_points</c>): per current STM Procedure its patient and start, per current
/// pain or ROM Observation its patient, session, measure, timing, time and value, written in the transaction of the
/// commit that stores the resource (<see cref="IStoreExtension"/>), so it never disagrees with the resources. A
/// patient's trends then read a few hundred short rows by one index instead of parsing every stored document
/// (<see cref="PatientOutcomes"/>). A database from before the table, or with another row format, is filled from the
/// stored resources once, at initialisation.
/// </summary>
/// <param name="dialect">The resource store's database.</param>
internal sealed class OutcomePointStore(StoreDialect dialect) : IStoreExtension
{
    private const string Upsert = """
        INSERT INTO outcome_points (type, id, patient, procedure_id, measure, timing, taken_at, value)
        VALUES (@type, @id, @patient, @procedure, @measure, @timing, @at, @value)
        ON CONFLICT (type, id) DO UPDATE SET patient = excluded.patient, procedure_id = excluded.procedure_id,
            measure = excluded.measure, timing = excluded.timing, taken_at = excluded.taken_at, value = excluded.value
        """;

    public IEnumerable<string> Schema(StoreDialect database) =>
    [
        """
        CREATE TABLE IF NOT EXISTS outcome_points (
            type TEXT NOT NULL, id TEXT NOT NULL, patient TEXT NOT NULL, procedure_id TEXT NOT NULL,
            measure TEXT, timing TEXT, taken_at TEXT NOT NULL, value TEXT, PRIMARY KEY (type, id))
        """,
        "CREATE INDEX IF NOT EXISTS ix_outcome_points_patient ON outcome_points (patient)",
        "CREATE TABLE IF NOT EXISTS outcome_points_format (format INTEGER NOT NULL)",
    ];

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        int? format;
        await using (var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            format = await StoredFormatAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
        if (format != OutcomePointRow.Format)
        {
            await new OutcomePointFill(dialect).RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<long?> WriteWithCommitAsync(CommitContext commit, CancellationToken cancellationToken)
    {
        DbCommand? upsert = null;
        DbCommand? remove = null;
        try
        {
            foreach (var written in commit.Written)
            {
                if (written.Type is not ("Procedure" or "Observation"))
                {
                    continue;
                }
                // A version that is no longer a session or a value (changed, or deleted) takes its row away.
                if (OutcomeJson.Read(written.Type, written.Json) is { } entry)
                {
                    upsert ??= commit.Connection.Command(Upsert, commit.Transaction);
                    await WriteAsync(upsert, written.Type, written.Id, entry, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    remove ??= commit.Connection.Command("DELETE FROM outcome_points WHERE type = @type AND id = @id", commit.Transaction);
                    remove.Parameters.Clear();
                    await remove.With("type", written.Type).With("id", written.Id).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            return null;
        }
        finally
        {
            if (upsert is not null)
            {
                await upsert.DisposeAsync().ConfigureAwait(false);
            }
            if (remove is not null)
            {
                await remove.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes (or replaces) the row of one resource with <paramref name="upsert"/>, a command of <see cref="Upsert"/>.</summary>
    internal static Task<int> WriteAsync(DbCommand upsert, string type, string id, OutcomeEntry entry, CancellationToken cancellationToken)
    {
        upsert.Parameters.Clear();
        upsert.With("type", type).With("id", id).With("patient", entry.PatientId);
        if (entry.Session is { } session)
        {
            upsert.With("procedure", session.ProcedureId).With("measure", null).With("timing", null)
                .With("at", OutcomePointRow.Time(session.Start)).With("value", null);
        }
        else
        {
            var value = entry.Value!;
            upsert.With("procedure", value.ProcedureId).With("measure", OutcomePointRow.Measure(value.Measure))
                .With("timing", OutcomePointRow.Timing(value.Timing)).With("at", OutcomePointRow.Time(value.TakenAt))
                .With("value", OutcomePointRow.Value(value.Value));
        }
        return upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static DbCommand UpsertCommand(DbConnection connection, DbTransaction transaction) => connection.Command(Upsert, transaction);

    /// <summary>The row format the table was filled with, or null before the first fill.</summary>
    internal static async Task<int?> StoredFormatAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT MAX(format) FROM outcome_points_format", transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>The patient's session starts and measured values, by the patient index.</summary>
    public async Task<(List<SessionStart> Sessions, List<MeasuredValue> Values)> ReadAsync(string patientId, CancellationToken cancellationToken)
    {
        var sessions = new List<SessionStart>();
        var values = new List<MeasuredValue>();
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            "SELECT type, procedure_id, measure, timing, taken_at, value FROM outcome_points WHERE patient = @patient").With("patient", patientId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var procedure = reader.GetString(1);
            if (OutcomePointRow.ReadTime(reader.GetString(4)) is not { } at)
            {
                continue;
            }
            if (reader.GetString(0) == "Procedure")
            {
                sessions.Add(new SessionStart(procedure, at));
            }
            else if (OutcomePointRow.ReadMeasure(reader.GetString(2)) is { } measure && OutcomePointRow.ReadTiming(reader.GetString(3)) is { } timing
                && OutcomePointRow.ReadValue(reader.GetString(5)) is { } value)
            {
                values.Add(new MeasuredValue(procedure, measure, timing, at, value));
            }
        }
        return (sessions, values);
    }
}
