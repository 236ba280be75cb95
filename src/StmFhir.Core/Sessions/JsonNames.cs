using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace StmFhir.Core.Sessions;

/// <summary>The JSON names of an enum's members, from their <see cref="JsonStringEnumMemberNameAttribute"/>.</summary>
internal static class JsonNames<TEnum> where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> s_names = typeof(TEnum)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToFrozenDictionary(
            f => (TEnum)f.GetValue(null)!,
            f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);

    private static readonly FrozenDictionary<string, TEnum> s_values =
        s_names.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>Every accepted name, in declaration order, for error messages.</summary>
    public static readonly string AllNames = string.Join(", ", Enum.GetValues<TEnum>().Select(v => s_names[v]));

    public static string Of(TEnum value) => s_names[value];

    public static bool TryParse(string name, out TEnum value) => s_values.TryGetValue(name, out value);
}
