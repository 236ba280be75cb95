using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StmFhir.Core.Sessions;

/// <summary>
/// Reads typed fields from a <see cref="JsonElement"/>, recording a <see cref="SessionProblem"/> with the field's JSON
/// path for each one that is missing or wrong instead of throwing, so that one pass reports every problem.
/// </summary>
internal sealed partial class JsonFieldReader
{
    private readonly List<SessionProblem> _problems = [];

    public IReadOnlyList<SessionProblem> Problems => _problems;

    public void Problem(string path, string message) => _problems.Add(new SessionProblem(path, message));

    public void Problem(SessionProblem? problem)
    {
        if (problem is not null)
        {
            _problems.Add(problem);
        }
    }

    /// <summary>Reports every property of <paramref name="obj"/> not in <paramref name="known"/> (catches typos).</summary>
    public void RejectUnknown(JsonElement obj, string path, params ReadOnlySpan<string> known)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                Problem(Child(path, property.Name), "is not a field of this object");
            }
        }
    }

    public JsonElement? Object(JsonElement parent, string path, string name, bool required)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            Problem(Child(path, name), "must be an object");
            return null;
        }
        return value;
    }

    public string? String(JsonElement parent, string path, string name, bool required, int maxLength = SessionRules.TextLength)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        return StringValue(value, Child(path, name), maxLength);
    }

    public string? StringValue(JsonElement value, string path, int maxLength = SessionRules.TextLength)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem(path, "must be a string");
            return null;
        }
        var text = value.GetString()!;
        if (SessionRules.TextProblem(text, maxLength) is { } message)
        {
            Problem(path, message);
            return null;
        }
        return text;
    }

    /// <summary>An absolute URI, as FHIR identifier and code systems require.</summary>
    public string? Uri(JsonElement parent, string path, string name, bool required) => Checked(parent, path, name, required, SessionRules.UriProblem);

    public string? Matching(JsonElement parent, string path, string name, bool required, TextPattern pattern) =>
        Checked(parent, path, name, required, text => SessionRules.PatternProblem(text, pattern));

    private string? Checked(JsonElement parent, string path, string name, bool required, Func<string, string?> problem)
    {
        var text = String(parent, path, name, required);
        if (text is not null && problem(text) is { } message)
        {
            Problem(Child(path, name), message);
            return null;
        }
        return text;
    }

    public TEnum? Enum<TEnum>(JsonElement parent, string path, string name, bool required) where TEnum : struct, Enum
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        return EnumValue<TEnum>(value, Child(path, name));
    }

    public TEnum? EnumValue<TEnum>(JsonElement value, string path) where TEnum : struct, Enum
    {
        if (value.ValueKind == JsonValueKind.String && JsonNames<TEnum>.TryParse(value.GetString()!, out var parsed))
        {
            return parsed;
        }
        Problem(path, $"must be one of: {JsonNames<TEnum>.AllNames}");
        return null;
    }

    public int? Integer(JsonElement parent, string path, string name, bool required, int min, int max)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }
        Problem(Child(path, name), SessionRules.WholeNumberBetween(min, max));
        return null;
    }

    public decimal? Number(JsonElement parent, string path, string name, bool required, decimal min, decimal max)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) && number >= min && number <= max)
        {
            return number;
        }
        Problem(Child(path, name), SessionRules.NumberBetween(min, max));
        return null;
    }

    /// <summary>A date-time with seconds and an explicit UTC offset (Z or ±hh:mm), as FHIR dateTime requires.</summary>
    public DateTimeOffset? DateTime(JsonElement parent, string path, string name, bool required)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && DateTimePattern().IsMatch(value.GetString()!)
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return parsed;
        }
        Problem(Child(path, name), "must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00");
        return null;
    }

    public DateOnly? Date(JsonElement parent, string path, string name, bool required)
    {
        if (!Find(parent, path, name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return parsed;
        }
        Problem(Child(path, name), "must be a date as YYYY-MM-DD");
        return null;
    }

    /// <summary>Reads an array, item by item; items that fail are left out (their problems are recorded).</summary>
    public List<T> Array<T>(JsonElement parent, string path, string name, bool required, Func<JsonElement, string, T?> item)
        where T : notnull
    {
        var items = new List<T>();
        if (!Find(parent, path, name, required, out var value))
        {
            return items;
        }
        var arrayPath = Child(path, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            Problem(arrayPath, "must be an array");
            return items;
        }
        if (required && value.GetArrayLength() == 0)
        {
            Problem(arrayPath, "must have at least one item");
        }
        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var read = item(element, $"{arrayPath}[{index++}]");
            if (read is not null)
            {
                items.Add(read);
            }
        }
        return items;
    }

    /// <summary>Reads an array of enum names.</summary>
    public List<TEnum> EnumArray<TEnum>(JsonElement parent, string path, string name) where TEnum : struct, Enum =>
        Array(parent, path, name, false, (e, at) => EnumValue<TEnum>(e, at) is { } v ? new Boxed<TEnum>(v) : null)
            .ConvertAll(b => b.Value);

    private sealed record Boxed<T>(T Value);

    /// <summary>Reads an object-valued array item, reporting a non-object.</summary>
    public bool IsObject(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return true;
        }
        Problem(path, "must be an object");
        return false;
    }

    /// <summary>The path of property <paramref name="name"/>: dot notation, or brackets for names that are not identifiers.</summary>
    public static string Child(string path, string name) =>
        IdentifierPattern().IsMatch(name) ? $"{path}.{name}" : $"{path}['{name.Replace(@"\", @"\\").Replace("'", @"\'")}']";

    /// <summary>
    /// True when <paramref name="obj"/> has the property with a non-null value. Rules across fields use it to skip a field
    /// already reported as malformed (<see cref="CrossFields"/>); an explicit null counts as absent, as it does everywhere else.
    /// </summary>
    public static bool Has(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    private bool Find(JsonElement parent, string path, string name, bool required, out JsonElement value)
    {
        if (parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        if (required)
        {
            Problem(Child(path, name), "is required");
        }
        return false;
    }

    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$]*\z")]
    private static partial Regex IdentifierPattern();

    // [0-9] and \z: .NET's \d matches any Unicode digit, and $ matches before a final newline.
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:[0-9]{2})\z")]
    private static partial Regex DateTimePattern();
}
