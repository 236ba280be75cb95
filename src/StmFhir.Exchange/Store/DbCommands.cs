using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>Small helpers over ADO.NET commands, shared by both databases.</summary>
internal static class DbCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static StoredResource ReadStored(this DbDataReader reader, string type, int first = 0) => new(
        type,
        reader.GetString(first),
        Convert.ToInt32(reader.GetValue(first + 1), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(first + 2), System.Globalization.CultureInfo.InvariantCulture)),
        reader.GetString(first + 3));

    /// <summary><c>(type = @a AND id IN (@b, @c)) OR ...</c>, one group per type, so the primary key serves the lookup.</summary>
    public static string ByTypeAndId(DbCommand command, List<(string Type, string Id)> keys, string alias = "")
    {
        var n = 0;
        return string.Join(" OR ", keys.GroupBy(k => k.Type).Select(group =>
        {
            var type = $"kt{n++}";
            command.With(type, group.Key);
            var ids = string.Join(", ", group.Select(k =>
            {
                var name = $"ki{n++}";
                command.With(name, k.Id);
                return "@" + name;
            }));
            return $"({alias}type = @{type} AND {alias}id IN ({ids}))";
        }));
    }
}
