using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>Values at the edges: calendar ends and zone offsets, numbers past every .NET type, markers for byte edits.</summary>
internal static class ExtremeValues
{
    /// <summary>Dates, dateTimes and instants FHIR allows (and some it does not) at the calendar's ends and the zone limits.</summary>
    public static IReadOnlyList<string> Dates { get; } =
    [
        "0001", "0001-01", "0001-01-01", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",
        "9999", "9999-12", "9999-12-31", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59.9999999-14:00", "0000", "0000-01-01", "10000-01-01", "-0001-01-01", "2026-02-29", "2024-02-29T24:00:00Z",
        "2026-03-02T09:30:00+14:01", "2026-03-02T09:30:00-14:00", "2026-03-02T09:30:00+23:59", "2026-03-02T09:30:60Z",
        "2026-03-02T09:30:00.1234567890123Z", "2026-03-02T09:30Z", "2026-03-02T09:30:00", "1970-01-01T00:00:00Z", "",
    ];

    /// <summary>Numbers as raw JSON text: out of range for double, decimal, long and int, negative zero, long digit strings.</summary>
    public static IReadOnlyList<string> Numbers { get; } =
    [
        "1e400", "-1e400", "-0", "-0.0", "1e-400", "0." + new string('0', 400) + "1", new string('9', 400), "123456789012345678901234567890",
        "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809", "79228162514264337593543950336", "1E+28", "0e0",
        "1.0e5", "4.9e-324", "1.7976931348623157e308", "0.1" + new string('1', 100), "-" + new string('1', 60),
    ];

    /// <summary>Query parameter values at the same edges (search dates, paging numbers).</summary>
    public static IReadOnlyList<string> QueryNumbers { get; } =
        ["-1", "0", "1", "2147483647", "2147483648", "2147483600", "99999999999999999999", "1e3", "1.5", " 5", "0x10", "", "\u0661"];

    /// <summary>A string value that <see cref="FuzzBody"/> turns into invalid UTF-8 bytes (one of <see cref="InvalidUtf8"/>).</summary>
    public static string InvalidUtf8Marker(int which) => $"~fuzz-utf8-{which}~";

    /// <summary>Byte sequences that are not UTF-8: a lone 0xFF, a bad continuation, a surrogate, an overlong NUL, a truncated sequence.</summary>
    public static IReadOnlyList<byte[]> InvalidUtf8 { get; } =
    [
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xFE, 0xFF],
    ];

    /// <summary>A property name that <see cref="FuzzBody"/> writes as <paramref name="name"/>, so an object can hold it twice.</summary>
    public static string DuplicateMarker(string name, int copy) => $"~fuzz-dup-{copy}~{name}";

    /// <summary>A value of another JSON kind than <paramref name="current"/>.</summary>
    public static JsonNode? OtherKind(JsonNode? current, Random random)
    {
        JsonNode?[] options =
        [
            JsonValue.Create(42), JsonValue.Create(0), JsonValue.Create(-1.5), JsonValue.Create("x"), JsonValue.Create(""), JsonValue.Create("42"),
            JsonValue.Create(true), JsonValue.Create(false), new JsonObject(), new JsonObject { ["value"] = "x" }, new JsonObject { ["id"] = 7 },
            new JsonArray(), new JsonArray(JsonValue.Create("x")), new JsonArray(new JsonArray(JsonValue.Create(1))),
            current is null ? null : new JsonArray(current.DeepClone()),
            current is JsonArray { Count: > 0 } array ? array[0]?.DeepClone() : null,
        ];
        for (var tries = 0; tries < 20; tries++)
        {
            var pick = options[random.Next(options.Length)];
            if (pick?.GetValueKind() != current?.GetValueKind())
            {
                return pick;
            }
        }
        return JsonValue.Create(13);
    }
}
