using System.Data.Common;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// Fills <c>outcome_points</c> from the current Procedures and Observations: once for a database from before the table,
/// and again whenever <see cref="OutcomePointRow.Format"/> changes. One transaction, read in pages of the resources'
/// primary key so that memory stays bounded; writers are held off meanwhile (PostgreSQL: a table lock, so that a
/// commit cannot slip a row in between the read and the format mark; SQLite has one writer anyway), and a second
/// instance starting at the same time finds the format written and does nothing.
/// </summary>
internal sealed class OutcomePointFill(StoreDialect dialect)
{
    private const int Page = 500;

    public Task<int> RunAsync(CancellationToken cancellationToken) => dialect.WriteAsync(async (connection, transaction) =>
    {
        if (dialect.LockAgainstWriters("outcome_points") is { } lockSql)
        {
            await using var table = connection.Command(lockSql, transaction);
            await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (await OutcomePointStore.StoredFormatAsync(connection, transaction, cancellationToken).ConfigureAwait(false) == OutcomePointRow.Format)
        {
            return 0;
        }
        await Execute(connection, transaction, "DELETE FROM outcome_points", cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, "DELETE FROM outcome_points_format", cancellationToken).ConfigureAwait(false);
        var written = 0;
        await using var upsert = OutcomePointStore.UpsertCommand(connection, transaction);
        foreach (var type in new[] { "Observation", "Procedure" })
        {
            var after = "";
            while (await PageAsync(connection, transaction, type, after, cancellationToken).ConfigureAwait(false) is { Count: > 0 } page)
            {
                foreach (var (id, json) in page)
                {
                    if (OutcomeJson.Read(type, json) is { } entry)
                    {
                        written += await OutcomePointStore.WriteAsync(upsert, type, id, entry, cancellationToken).ConfigureAwait(false);
                    }
                }
                after = page[^1].Id;
            }
        }
        await using var mark = connection.Command("INSERT INTO outcome_points_format (format) VALUES (@format)", transaction)
            .With("format", OutcomePointRow.Format);
        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }, cancellationToken);

    /// <summary>The next page of current resources of <paramref name="type"/> after id <paramref name="after"/>, in id order.</summary>
    private static async Task<List<(string Id, string Json)>> PageAsync(DbConnection connection, DbTransaction transaction, string type, string after,
        CancellationToken cancellationToken)
    {
        await using var command = connection.Command("""
            SELECT r.id, v.json FROM resources r JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE r.type = @type AND r.id > @after ORDER BY r.id LIMIT @limit
            """, transaction).With("type", type).With("after", after).With("limit", Page);
        var page = new List<(string, string)>(Page);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add((reader.GetString(0), reader.GetString(1)));
        }
        return page;
    }

    private static async Task Execute(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
