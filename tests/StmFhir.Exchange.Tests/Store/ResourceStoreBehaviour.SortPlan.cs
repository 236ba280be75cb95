using System.Data.Common;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>Sorted searches read through indexes, shown by each database's own plan over 100,000 Observations.</summary>
public abstract partial class ResourceStoreBehaviour
{
    /// <summary>A connection of its own to this test's database, for writing rows the store would take long to write.</summary>
    private protected abstract Task<DbConnection> ConnectAsync();

    /// <summary>True when the plan reads a whole table of the store (or a whole index) instead of a range of an index.</summary>
    private protected abstract bool ScansWithoutIndex(string plan);

    [Fact]
    public async Task SortedSearches_Over100000Observations_ReadThroughIndexes()
    {
        await using (var connection = await ConnectAsync())
        {
            // Rows as the store writes them: one patient of 1,000 and one effective date per Observation.
            foreach (var sql in (string[])[
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) " +
                "INSERT INTO resources (type, id, version, last_updated, content_hash) SELECT 'Observation', 'o' || i, 1, i, 'h' FROM n",
                "INSERT INTO resource_versions (type, id, version, last_updated, json) " +
                "SELECT type, id, 1, last_updated, '{\"resourceType\":\"Observation\",\"id\":\"' || id || '\"}' FROM resources WHERE type = 'Observation'",
                "INSERT INTO search_index (type, id, param, sys, val, lo, hi) " +
                "SELECT type, id, 'patient', 'Patient', 'p' || (last_updated % 1000), NULL, NULL FROM resources WHERE type = 'Observation'",
                "INSERT INTO search_index (type, id, param, sys, val, lo, hi) " +
                "SELECT type, id, 'date', '', '', (100000 - last_updated) * 1000, (100000 - last_updated) * 1000 FROM resources WHERE type = 'Observation'",
                "INSERT INTO search_index (type, id, param, sys, val, lo, hi) " +
                "SELECT type, id, 'status', '', 'final', NULL, NULL FROM resources WHERE type = 'Observation'",
                // Identifiers run against the write order too, all of six digits: id-900000 (o100000) ... id-999999 (o1).
                "INSERT INTO search_index (type, id, param, sys, val, lo, hi) " +
                "SELECT type, id, 'identifier', 'urn:stm', 'id-' || (1000000 - last_updated), NULL, NULL FROM resources WHERE type = 'Observation'",
                "ANALYZE"])
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync();
            }
        }
        var store = (SqlResourceStore)Store;
        var byPatient = Parsed("Observation", "patient=Patient/p7&_sort=-date,status&_count=10");
        var newestChanged = Parsed("Observation", "_sort=-_lastUpdated&_count=10");

        var patientPlan = await store.ExplainSearchAsync(byPatient);
        var changedPlan = await store.ExplainSearchAsync(newestChanged);

        Assert.False(ScansWithoutIndex(patientPlan), patientPlan);
        Assert.Contains("ix_search_token", patientPlan, StringComparison.Ordinal);
        // Each match's sort keys are read from its own index rows, not found by walking all values in order.
        Assert.Contains("ix_search_owner", patientPlan, StringComparison.Ordinal);
        Assert.False(ScansWithoutIndex(changedPlan), changedPlan);
        Assert.Contains("ix_resources_updated", changedPlan, StringComparison.Ordinal);
        var page = await Store.SearchAsync(byPatient);
        Assert.Equal(100, page.Total);
        // Dates run against the write order, so the newest-dated is the first written of the patient's: o7, o1007, ...
        Assert.Equal(["o7", "o1007", "o2007"], page.Resources.Take(3).Select(r => r.Id));
        Assert.Equal(["o100000", "o99999"], (await Store.SearchAsync(newestChanged)).Resources.Take(2).Select(r => r.Id));
        await UnfilteredSortsReadThroughIndexesAsync(store);
    }

    /// <summary>
    /// Sorted by date or identifier without any criterion: the page's resources are found by walking that parameter's
    /// index in order (SortWindow), not by computing the key of all 100,000 and sorting them.
    /// </summary>
    private async Task UnfilteredSortsReadThroughIndexesAsync(SqlResourceStore store)
    {
        var cases = new (string Query, string Index, string[] First)[]
        {
            ("_sort=date&_count=10", "ix_search_date", ["o100000", "o99999"]),
            ("_sort=-date&_count=10", "ix_search_date_hi", ["o1", "o2"]),
            ("_sort=identifier&_count=10", "ix_search_token", ["o100000", "o99999"]),
            ("_sort=-identifier,status&_count=10", "ix_search_token", ["o1", "o2"]),
            ("_sort=date&_count=10&_offset=20", "ix_search_date", ["o99980", "o99979"]),
        };
        foreach (var (text, index, first) in cases)
        {
            var query = Parsed("Observation", text);

            var plan = await store.ExplainSearchAsync(query);
            var page = await Store.SearchAsync(query);

            Assert.False(ScansWithoutIndex(plan), $"{text}: {plan}");
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(plan, $@"\b{index}\b"), $"{text}: {plan}");
            Assert.Equal(100_000, page.Total);
            Assert.Equal(10, page.Resources.Count);
            Assert.Equal(first, page.Resources.Take(2).Select(r => r.Id));
        }
    }
}
